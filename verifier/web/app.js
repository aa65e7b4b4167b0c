// Sanad verification page: scanner field, camera and photo upload -> /api/v1/verify*.
// Keeps nothing in the browser (no cookies, no web storage); the verdict clears itself.
"use strict";

(function () {
  const T = {
    ar: {
      title: "التحقق من الوثائق",
      scanLabel: "امسح رمز الوثيقة أو الصقه ثم اضغط Enter",
      camera: "الكاميرا",
      photo: "صورة",
      clear: "مسح",
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
      registryStatus: { valid: "صالحة", revoked: "مُلغاة", superseded: "طرأ على القيد تغيير لاحق (مثل طلاق بعد هذا الزواج)", not_found: "غير موجودة في السجل" },
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
      registryStatus: { valid: "valid", revoked: "revoked", superseded: "a later event changed this record (e.g. a divorce after this marriage)", not_found: "not found in the registry" },
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
    if (!$("countdown").hidden) renderCountdown();
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

  // Dates and numbers inside Arabic text keep their left-to-right order and do not wrap.
  const NUMBER_RUN = /(\d[\d\-\/:.]*\d)/;
  function setText(el, text) {
    el.replaceChildren();
    text.split(NUMBER_RUN).forEach((part, i) => {
      if (i % 2 === 1) {
        const span = document.createElement("span");
        span.className = "num";
        span.dir = "ltr";
        span.textContent = part;
        el.append(span);
      } else if (part) {
        el.append(part);
      }
    });
  }

  function side(cls, langCode, label, value) {
    const div = document.createElement("div");
    div.className = `side ${cls}`;
    div.lang = langCode;
    const l = document.createElement("span");
    l.className = "label";
    l.textContent = label;
    const v = document.createElement("span");
    v.className = "value";
    setText(v, value);
    div.append(l, v);
    return div;
  }

  function verdictNode(v) {
    const node = $("verdict-template").content.firstElementChild.cloneNode(true);
    node.classList.add(v.valid ? "ok" : "bad");
    node.dataset.status = v.status;
    node.querySelector(".mark").textContent = v.valid ? "✓" : "✗";
    node.querySelector(".head").textContent = v.valid ? t("valid") : t("invalid");
    node.querySelector(".summary").textContent = v.summary[lang];
    node.querySelector(".detail").textContent = v.valid ? "" : v.reason;
    const doc = v.document;
    if (doc) {
      node.querySelector(".paper").hidden = false;
      const title = doc.title || { ar: "", en: `type ${doc.type_code}` };
      node.querySelector(".t-ar").textContent = title.ar;
      node.querySelector(".t-en").textContent = title.en;
      const fields = node.querySelector(".fields");
      for (const f of doc.fields) {
        const row = document.createElement("div");
        row.className = "row";
        row.dataset.field = f.name;
        const label = f.label || { ar: f.name, en: f.name };
        const shownValue = f.display || { ar: JSON.stringify(f.value), en: JSON.stringify(f.value) };
        row.append(side("ar", "ar", label.ar, shownValue.ar), side("en", "en", label.en, shownValue.en));
        fields.append(row);
      }
    }
    const meta = node.querySelector(".meta");
    if (doc) {
      addMeta(meta, t("serial"), doc.serial);
      addMeta(meta, t("issued"), when(doc.issued_at));
      addMeta(meta, t("office"), doc.centre.display[lang]);
      addMeta(meta, t("kiosk"), doc.kiosk);
      addMeta(meta, t("issuer"), doc.issuer);
    }
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
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    $("countdown").textContent = t("clearsIn")(left);
  }

  function startClearTimer() {
    clearTimeout(clearTimer);
    clearInterval(tick);
    deadline = Date.now() + clearAfter * 1000;
    $("countdown").hidden = false;
    renderCountdown();
    tick = setInterval(renderCountdown, 1000);
    clearTimer = setTimeout(clearAll, clearAfter * 1000);
  }

  function clearAll() {
    clearTimeout(clearTimer);
    clearInterval(tick);
    shown = null;
    $("results").replaceChildren();
    $("countdown").hidden = true;
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
        const d = body && body.detail;
        const known = T[lang].httpErrors[r.status];
        const detail = typeof d === "string" ? d : `HTTP ${r.status}`;
        throw new Error(known ? `${known} (${detail})` : detail);
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
