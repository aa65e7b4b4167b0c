// An axe-like check of what WCAG 2.2 AA asks of the portal's pages, run in the page itself:
// labels, text contrast, target sizes, no sideways scrolling. Returns a list of problems.
() => {
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  // 1. every field has a label (a <label for>, or an accessible name)
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label");
    if (!named) problems.push(`no label: ${el.outerHTML.slice(0, 80)}`);
    const described = el.getAttribute("aria-describedby");
    if (described) for (const id of described.split(" "))
      if (!document.getElementById(id)) problems.push(`aria-describedby names no element: ${id}`);
  }
  // 2. text contrast >= 4.5:1 (3:1 for large text)
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || seen.has(el) || !visible(el)) continue;
    if (el.closest(".sr-only") || el.closest(".skip")) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    const fg = rgb(s.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5))
      problems.push(`contrast ${ratio.toFixed(2)}: "${n.textContent.trim().slice(0, 40)}"`);
  }
  // 3. targets at least 44 x 44 CSS px (links inside a sentence are exempt, as WCAG's
  //    inline exception says; a radio button's target is its label too)
  for (const el of document.querySelectorAll("a, button, input:not([type=hidden]), select")) {
    if (!visible(el) || el.classList.contains("skip")) continue;
    if (el.tagName === "A" && el.closest("p") && !el.classList.contains("button")) continue;
    let r = el.getBoundingClientRect();
    if (el.type === "radio" && el.labels && el.labels.length) {
      const l = el.labels[0].getBoundingClientRect();
      r = { width: Math.max(r.width, l.width), height: Math.max(r.height, l.height) };
    }
    if (r.width < 44 || r.height < 44)
      problems.push(`target ${Math.round(r.width)}x${Math.round(r.height)}: ${el.outerHTML.slice(0, 80)}`);
  }
  // 4. nothing wider than the screen
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    problems.push(`sideways scroll: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  return problems;
}
