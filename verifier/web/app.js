// Sanad verification page: scanner field, camera and photo upload -> /api/v1/verify*.
// Keeps nothing in the browser (no cookies, no web storage); the verdict clears itself.
"use strict";

(function () {
  const T = {
    ar: {
      title: "التحقق من الوثائق",
      scanLabel: "امسح رمز الوثيقة أو الصقه ثم اضغط Enter",
      camera: "الكاميرا",
      photo: "رفع صورة",
      clear: "تفريغ الحقل",
      pause: "إيقاف العدّ",
      resume: "متابعة العدّ",
      paused: "العدّ متوقف: تبقى النتيجة معروضة",
      checkDigit: "صيغة الرقم الوطني صحيحة",
      stop: "إيقاف",
      cameraHint: "وجّه الكاميرا إلى رمز QR في الوثيقة",
      checking: "جارٍ التحقق…",
      valid: "صالحة",
      invalid: "غير صالحة",
      langButton: "English",
      serial: "الرقم التسلسلي",
      issued: "وقت الإصدار",
      issuer: "جهة الإصدار",
      office: "مكتب الإصدار",
      kiosk: "الجهاز",
      signer: "مفتاح التوقيع",
      claimedKey: "معرّف المفتاح المذكور في الرمز",
      trustList: "قائمة الثقة",
      revocation: "مصدر حالة الإلغاء",
      revTrust: "قائمة الثقة (دون اتصال)",
      revOnline: "السجل المدني (تحقق مباشر)",
      onlineFailed: "تعذّر التحقق المباشر: ",
      registrySays: "حالتها في السجل",
      registryStatus: { valid: "صالحة", revoked: "مُلغاة", superseded: "طرأ على القيد تغيير لاحق (تصحيح للقيد، أو طلاق بعد هذا الزواج)", not_found: "غير موجودة في السجل", bad_serial: "رقم تسلسلي لا يُصدره السجل", mismatch: "السجل أصدر وثيقة أخرى بهذا الرقم" },
      trustStatus: (n, age, src) => `قائمة الثقة رقم ${n} · عمرها ${age} · ${src}`,
      stale: " · منتهية، يلزم تحديثها",
      sources: { online: "من الشبكة", cache: "من النسخة المحفوظة", file: "من ملف" },
      offline: " · دون اتصال",
      noCode: "لم يُعثر على رمز QR في الصورة",
      clearsIn: (s) => `يُمسح بعد ${s} ث`,
      codesFound: (n) => `عُثر على ${n} رموز`,
      cameraNeedsHttps: "الكاميرا تحتاج اتصالاً آمناً (HTTPS) أو الجهاز نفسه؛ استخدم زر الصورة",
      cameraFailed: "تعذّر تشغيل الكاميرا؛ استخدم زر الصورة",
      networkError: "تعذّر الاتصال بخدمة التحقق",
      units: { s: "ث", m: "د", h: "س", d: "يوم" },
      httpErrors: {
        408: "انقطع الاتصال قبل اكتمال الطلب",
        413: "الصورة أو النص أكبر من المسموح",
        415: "أرسل صورة JPEG أو PNG",
        422: "تعذّرت قراءة الطلب أو الصورة",
        429: "طلبات كثيرة؛ انتظر قليلاً ثم أعد المحاولة",
        503: "الخدمة غير جاهزة بعد: لا توجد قائمة ثقة",
      },
    },
    en: {
      title: "Document verification",
      scanLabel: "Scan or paste the document's code, then press Enter",
      camera: "Camera",
      photo: "Photo",
      clear: "Clear",
      pause: "Pause",
      resume: "Resume",
      paused: "Paused: the result stays on screen",
      checkDigit: "National number format is correct",
      stop: "Stop",
      cameraHint: "Point the camera at the QR code on the document",
      checking: "Checking…",
      valid: "VALID",
      invalid: "NOT VALID",
      langButton: "العربية",
      serial: "Serial",
      issued: "Issued at",
      issuer: "Issuer",
      office: "Issuing office",
      kiosk: "Kiosk",
      signer: "Signing key",
      claimedKey: "Key id the code claims",
      trustList: "Trust list",
      revocation: "Revocation checked against",
      revTrust: "the trust list (offline)",
      revOnline: "the registry (online check)",
      onlineFailed: "Online check failed: ",
      registrySays: "Registry status",
      registryStatus: { valid: "valid", revoked: "revoked", superseded: "a later event changed this record (a correction, or a divorce after this marriage)", not_found: "not found in the registry", bad_serial: "not a serial the registry issues", mismatch: "the registry issued another document under this serial" },
      trustStatus: (n, age, src) => `Trust list #${n} · ${age} old · ${src}`,
      stale: " · past its update time",
      sources: { online: "online", cache: "from cache", file: "from file" },
      offline: " · offline",
      noCode: "No QR code found in the image",
      clearsIn: (s) => `Clears in ${s} s`,
      codesFound: (n) => `${n} codes found`,
      cameraNeedsHttps: "The camera needs HTTPS (or this computer itself); use the Photo button",
      cameraFailed: "The camera could not be started; use the Photo button",
      networkError: "Cannot reach the verification service",
      units: { s: "s", m: "min", h: "h", d: "d" },
      httpErrors: {
        408: "The request did not arrive in time",
        413: "The image or text is too large",
        415: "Send a JPEG or PNG image",
        422: "The request or image could not be read",
        429: "Too many requests; wait a moment and try again",
        503: "The service is not ready: no trust list yet",
      },
    },
  };

  const $ = (id) => document.getElementById(id);
  const clearAfter = Math.max(5, parseInt(
    document.querySelector('meta[name="sanad-clear-after"]').content, 10) || 60);
  const coarse = window.matchMedia("(pointer: coarse)").matches;
  let lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "ar";
  let shown = null; // the last answer, re-rendered when the language changes
  let trust = null;
  let clearTimer = null;
  let tick = null;
  let deadline = 0;
  let paused = false;
  let pausedLeft = 0;
  let stream = null;
  let scanning = false;

  function t(key) { return T[lang][key]; }

  function age(seconds) {
    const u = T[lang].units;
    if (seconds < 90) return `${Math.max(0, Math.round(seconds))} ${u.s}`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} ${u.m}`;
    if (seconds < 172800) return `${Math.round(seconds / 3600)} ${u.h}`;
    return `${Math.round(seconds / 86400)} ${u.d}`;
  }

  function when(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const fmt = new Intl.DateTimeFormat(lang === "ar" ? "ar-u-nu-latn" : "en-GB", {
      dateStyle: "medium", timeStyle: "short", timeZone: "UTC",
    });
    return `${fmt.format(d)} UTC`;
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    const btn = $("lang");
    btn.textContent = t("langButton");
    btn.lang = lang === "ar" ? "en" : "ar";
    document.title = `${t("title")} · Sanad`;
    renderTrust();
    if (shown) render(shown, false);
    if (!$("timer").hidden) renderCountdown();
  }

  function renderTrust() {
    const el = $("trust");
    if (!trust) { el.textContent = ""; return; }
    let text = t("trustStatus")(trust.sequence, age(trust.age_seconds),
      T[lang].sources[trust.source] || trust.source);
    if (trust.last_refresh_error) text += t("offline");
    if (trust.stale) text += t("stale");
    el.textContent = text;
    el.classList.toggle("stale", !!trust.stale);
    el.classList.toggle("offline", !!trust.last_refresh_error);
  }

  async function loadTrust() {
    try {
      const r = await fetch("/api/v1/trust-list/status", { cache: "no-store" });
      if (r.ok) { trust = await r.json(); renderTrust(); }
    } catch (e) { /* shown when a verification fails */ }
  }

  function showError(msg) {
    const el = $("error");
    el.textContent = msg || "";
    el.hidden = !msg;
  }

  function addMeta(dl, label, value, warn) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value;
    if (warn) dd.classList.add("warn");
    dl.append(dt, dd);
  }

  // Values read as on the paper: a value with no Arabic letter (a serial, a record number
  // "B1941/0000001", a date, a national number) is isolated whole, left to right, so the
  // Arabic side cannot reorder it; inside Arabic text each Latin or numeric run is isolated.
  const ARABIC = /[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]/;
  const LATIN_RUN = /([A-Za-z0-9\u00c0-\u024f](?:[^\s\u0600-\u06ff\u2066-\u2069]*[A-Za-z0-9\u00c0-\u024f/])?(?: +[A-Za-z0-9\u00c0-\u024f](?:[^\s\u0600-\u06ff\u2066-\u2069]*[A-Za-z0-9\u00c0-\u024f/])?)*)/;
  function ltr(text) {
    const b = document.createElement("bdi");
    b.dir = "ltr";
    if (!/\s/.test(text)) b.className = "num"; // one token (a serial, a date) never breaks
    b.textContent = text;
    return b;
  }
  function setText(el, text) {
    el.replaceChildren();
    text = String(text).replace(/[\u2066-\u2069]/g, "");
    text.split("\n").forEach((line, n) => {
      if (n > 0) el.append(document.createElement("br"));
      if (!ARABIC.test(line)) { if (line) el.append(ltr(line)); return; }
      line.split(LATIN_RUN).forEach((part, i) => {
        if (!part) return;
        el.append(i % 2 === 1 ? ltr(part) : part);
      });
    });
  }

  let uid = 0;
  function side(cls, langCode, label, value, check) {
    const div = document.createElement("div");
    div.className = `side ${cls}`;
    div.lang = langCode;
    div.dir = langCode === "ar" ? "rtl" : "ltr";
    div.setAttribute("role", "group");
    const l = document.createElement("span");
    l.className = "label";
    l.id = `l${++uid}`;
    l.textContent = label;
    div.setAttribute("aria-labelledby", l.id);
    const v = document.createElement("span");
    v.className = "value";
    if (value instanceof Node) v.append(value); else setText(v, value);
    div.append(l, v);
    if (check) {
      const c = document.createElement("span");
      c.className = "check";
      c.textContent = `✓ ${T[langCode].checkDigit}`;
      div.append(c);
    }
    return div;
  }

  // The family extract's members: one row each, every value in its column, per language.
  function membersTable(members, langCode) {
    const wrap = document.createElement("div");
    wrap.className = "scroll-x";
    const table = document.createElement("table");
    table.className = "members";
    const head = document.createElement("tr");
    for (const f of members[0].display) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = f.label[langCode];
      head.append(th);
    }
    const thead = document.createElement("thead");
    thead.append(head);
    const body = document.createElement("tbody");
    for (const m of members) {
      const tr = document.createElement("tr");
      for (const f of m.display) {
        const td = document.createElement("td");
        setText(td, f[langCode]);
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(thead, body);
    wrap.append(table);
    return wrap;
  }

  function fieldRow(name, label, display, members) {
    const row = document.createElement("div");
    row.className = members ? "row wide" : "row";
    row.dataset.field = name;
    const check = name === "national_id" || name.endsWith("_national_id");
    row.append(
      side("ar", "ar", label.ar, members ? membersTable(members, "ar") : display.ar, check),
      side("en", "en", label.en, members ? membersTable(members, "en") : display.en, check),
    );
    return row;
  }

  function outcomeOf(v) {
    if (v.outcome) return v.outcome;
    return v.valid ? "valid" : (v.status === "trust_list_stale" ? "unconfirmed" : "not_valid");
  }

  const CLASSES = { valid: "ok", unconfirmed: "warn", not_valid: "bad" };
  const MARKS = { valid: "✓", unconfirmed: "!", not_valid: "✗" };

  function verdictNode(v) {
    const node = $("verdict-template").content.firstElementChild.cloneNode(true);
    const outcome = outcomeOf(v);
    const words = v.officer;
    node.classList.add(CLASSES[outcome]);
    node.dataset.status = v.status;
    node.dataset.outcome = outcome;
    const head = node.querySelector(".head");
    head.id = `h${++uid}`;
    node.setAttribute("aria-labelledby", head.id);
    node.querySelector(".mark").textContent = MARKS[outcome];
    head.textContent = words ? words.headline[lang] : (outcome === "valid" ? t("valid") : t("invalid"));
    setText(node.querySelector(".summary"), words ? words.meaning[lang] : v.summary[lang]);
    setText(node.querySelector(".action"), words ? words.action[lang] : "");
    if (words && words.note) {
      const note = node.querySelector(".note");
      note.hidden = false;
      setText(note, words.note[lang]);
    }
    const doc = v.document;
    if (doc) {
      node.querySelector(".paper").hidden = false;
      const title = doc.title || { ar: "", en: `type ${doc.type_code}` };
      node.querySelector(".t-ar").textContent = title.ar;
      node.querySelector(".t-en").textContent = title.en;
      const issue = node.querySelector(".issue");
      for (const f of doc.issue || []) {
        issue.append(fieldRow(f.name, f.label, { ar: f.ar, en: f.en }, null));
      }
      const fields = node.querySelector(".body");
      for (const f of doc.fields) {
        const label = f.label || { ar: f.name, en: f.name };
        const members = Array.isArray(f.value) && f.value.length && f.value[0].display ? f.value : null;
        const shownValue = f.display || { ar: JSON.stringify(f.value), en: JSON.stringify(f.value) };
        fields.append(fieldRow(f.name, label, shownValue, members));
      }
    }
    const meta = node.querySelector(".meta");
    if (v.kid) addMeta(meta, v.signer ? t("signer") : t("claimedKey"), v.kid);
    const tl = v.trust_list;
    if (tl && tl.sequence != null) {
      let text = t("trustStatus")(tl.sequence, age(tl.age_seconds),
        T[lang].sources[tl.source] || tl.source || "");
      if (tl.last_refresh_error) text += t("offline");
      if (tl.stale) text += t("stale");
      addMeta(meta, t("trustList"), text, !!tl.stale);
    }
    if (doc) {
      addMeta(meta, t("revocation"), v.revocation_source === "online" ? t("revOnline") : t("revTrust"));
      const os = v.online_status;
      if (os && !os.checked) addMeta(meta, "", t("onlineFailed") + os.error, true);
      if (os && os.checked) {
        const words = T[lang].registryStatus;
        addMeta(meta, t("registrySays"), words[os.registry_status] || os.registry_status || "?",
          os.registry_status !== "valid");
      }
    }
    return node;
  }

  function render(answer, fresh) {
    const results = $("results");
    results.replaceChildren();
    showError("");
    if (answer.verdicts.length === 0) {
      showError(t("noCode"));
    }
    for (const v of answer.verdicts) results.append(verdictNode(v));
    if (answer.verdicts.length > 0 && answer.verdicts[0].trust_list.source) {
      trust = answer.verdicts[0].trust_list;
      renderTrust();
    }
    if (fresh) startClearTimer();
  }

  function renderCountdown() {
    if (paused) {
      $("countdown").textContent = t("paused");
      $("pause").textContent = t("resume");
      $("pause").setAttribute("aria-pressed", "true");
      return;
    }
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    $("countdown").textContent = t("clearsIn")(left);
    $("pause").textContent = t("pause");
    $("pause").setAttribute("aria-pressed", "false");
  }

  function runTimer(ms) {
    clearTimeout(clearTimer);
    clearInterval(tick);
    deadline = Date.now() + ms;
    renderCountdown();
    tick = setInterval(renderCountdown, 1000);
    clearTimer = setTimeout(clearAll, ms);
  }

  function startClearTimer() {
    paused = false;
    $("timer").hidden = false;
    runTimer(clearAfter * 1000);
  }

  function togglePause() {
    if (paused) {
      paused = false;
      runTimer(Math.max(pausedLeft, 5000));
    } else {
      paused = true;
      pausedLeft = Math.max(0, deadline - Date.now());
      clearTimeout(clearTimer);
      clearInterval(tick);
      renderCountdown();
    }
  }

  function clearAll() {
    clearTimeout(clearTimer);
    clearInterval(tick);
    paused = false;
    shown = null;
    $("results").replaceChildren();
    $("timer").hidden = true;
    $("scan").value = "";
    $("photo").value = "";
    showError("");
    focusScan();
  }

  async function post(url, init) {
    $("busy").hidden = false;
    try {
      const r = await fetch(url, { method: "POST", cache: "no-store", ...init });
      let body = null;
      try { body = await r.json(); } catch (e) { body = null; }
      if (!r.ok) {
        // The officer's words only: the server's English detail is for developers.
        throw new Error(T[lang].httpErrors[r.status] || `${t("networkError")} (HTTP ${r.status})`);
      }
      return body;
    } catch (e) {
      if (e instanceof TypeError) throw new Error(t("networkError"));
      throw e;
    } finally {
      $("busy").hidden = true;
    }
  }

  async function verifyText(text) {
    text = text.trim();
    if (!text) return;
    try {
      const v = await post("/api/v1/verify", {
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ qr_text: text }),
      });
      shown = { verdicts: [v] };
      render(shown, true);
    } catch (e) {
      shown = null;
      $("results").replaceChildren();
      showError(e.message);
      startClearTimer();
    }
    $("scan").value = "";
    focusScan();
  }

  async function verifyBlob(blob, name, quiet) {
    const form = new FormData();
    form.append("image", blob, name);
    const answer = await post("/api/v1/verify-image", { body: form });
    if (quiet && answer.found === 0) return false;
    shown = answer;
    render(shown, true);
    return answer.found > 0;
  }

  // Phone photos can be 10+ MB; a QR needs far fewer pixels than that.
  async function shrink(file) {
    if (file.size < 3000000 || !window.createImageBitmap) return file;
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, 2400 / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.9));
      return blob || file;
    } catch (e) {
      return file;
    }
  }

  // -- camera: frames posted until a code is found ------------------------------------------
  async function startCamera() {
    showError("");
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showError(t("cameraNeedsHttps"));
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch (e) {
      showError(t("cameraFailed"));
      return;
    }
    const video = $("video");
    video.srcObject = stream;
    await video.play().catch(() => {});
    $("camera-box").hidden = false;
    scanning = true;
    const started = Date.now();
    const canvas = document.createElement("canvas");
    while (scanning && Date.now() - started < 90000) {
      await new Promise((r) => setTimeout(r, 700));
      if (!scanning || !video.videoWidth) continue;
      const scale = Math.min(1, 1280 / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.85));
      if (!blob) continue;
      try {
        if (await verifyBlob(blob, "frame.jpg", true)) break;
      } catch (e) {
        showError(e.message);
      }
    }
    stopCamera();
  }

  function stopCamera() {
    scanning = false;
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    $("video").srcObject = null;
    $("camera-box").hidden = true;
    focusScan();
  }

  // -- the scanner field stays focused (desk scanners type into it and press Enter) -----------
  function focusScan() {
    if (coarse) return; // on a phone a focused field would keep the keyboard open
    const input = $("scan");
    if (document.activeElement !== input) input.focus({ preventScroll: true });
  }

  function init() {
    applyLanguage();
    loadTrust();
    setInterval(loadTrust, 60000);
    $("scan-form").addEventListener("submit", (e) => {
      e.preventDefault();
      verifyText($("scan").value);
    });
    $("scan").addEventListener("blur", (e) => {
      const to = e.relatedTarget;
      if (to && (to.tagName === "BUTTON" || to.tagName === "INPUT" || to.tagName === "LABEL")) return;
      setTimeout(focusScan, 0);
    });
    document.addEventListener("click", (e) => {
      if (!e.target.closest("button, label, input, a")) focusScan();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) stopCamera();
    });
    $("lang").addEventListener("click", () => {
      lang = lang === "ar" ? "en" : "ar";
      applyLanguage();
      focusScan();
    });
    $("clear").addEventListener("click", clearAll);
    $("pause").addEventListener("click", () => { togglePause(); focusScan(); });
    $("camera").addEventListener("click", () => { if (!scanning) startCamera(); });
    $("camera-stop").addEventListener("click", stopCamera);
    $("photo").addEventListener("change", async () => {
      const file = $("photo").files[0];
      if (!file) return;
      try {
        await verifyBlob(await shrink(file), file.name || "photo", false);
      } catch (e) {
        $("results").replaceChildren();
        showError(e.message);
        startClearTimer();
      }
      $("photo").value = "";
      focusScan();
    });
    focusScan();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
