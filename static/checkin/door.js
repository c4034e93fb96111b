/* The check-in page at the door. No inline script (CSP): everything it needs comes from data-*
 * attributes of #door. Scans made while offline are queued in localStorage and sent when the
 * connection returns; the server treats a repeat as "already checked in", so a scan sent twice
 * counts once. Undo needs a connection (it acts on the result the server has just shown). */
(function () {
  "use strict";
  var root = document.getElementById("door");
  if (!root) { return; }
  var d = root.dataset;
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var queueKey = "checkin-queue-" + d.slug;
  var current = null;
  var $ = function (id) { return document.getElementById(id); };

  function text(el, value) { el.textContent = value || ""; }

  function post(url, data) {
    var body = new URLSearchParams(data);
    if (d.session) { body.set("session", d.session); }
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json();
    });
  }

  function setCounts(counts) {
    if (!counts) { return; }
    text($("count-checked-in"), String(counts.checked_in));
    text($("count-expected"), String(counts.expected));
  }

  function show(answer) {
    var box = $("result");
    box.hidden = false;
    box.className = "door-result door-" + answer.outcome;
    text($("result-message"), answer.message);
    var warnings = $("result-warnings");
    warnings.replaceChildren();
    (answer.warnings || []).forEach(function (w) {
      var li = document.createElement("li");
      li.textContent = w;
      warnings.appendChild(li);
    });
    var p = answer.person;
    current = p;
    text($("result-name"), p ? p.name : "");
    text($("result-organisation"), p ? p.organisation : "");
    text($("result-role"), p ? p.role + " · " + p.status_display : "");
    var details = $("result-details");
    details.replaceChildren();
    if (p) {
      [[d.tSessions, (p.sessions || []).join(", ")], [d.tDiet, p.diet],
       [d.tAccessibility, p.accessibility]].forEach(function (row) {
        if (!row[1]) { return; }
        var dt = document.createElement("dt");
        dt.textContent = row[0];
        var dd = document.createElement("dd");
        dd.textContent = row[1];
        details.appendChild(dt);
        details.appendChild(dd);
      });
      text($("result-checked-in"), p.checked_in_at
        ? d.tCheckedInAt + " " + p.checked_in_at + (p.checked_in_by ? " " + d.tBy + " " + p.checked_in_by : "")
        : d.tNotCheckedIn);
    } else {
      text($("result-checked-in"), "");
    }
    $("undo").hidden = !(p && p.checked_in_at && answer.outcome !== "error");
    setCounts(answer.counts);
  }

  // --- Offline queue ----------------------------------------------------------------------
  function queue() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }
  function saveQueue(items) {
    localStorage.setItem(queueKey, JSON.stringify(items));
    text($("queue-status"), items.length ? "· " + d.tQueued + ": " + items.length : "");
  }
  function setOnline(online) {
    text($("network-status"), online ? d.tOnline : d.tOfflineStatus);
    root.classList.toggle("door-offline", !online);
  }
  function enqueue(code) {
    var items = queue();
    items.push({ id: String(Date.now()) + Math.random().toString(16).slice(2), code: code, session: d.session });
    saveQueue(items);
    show({ outcome: "queued", message: d.tOffline, person: null });
  }
  var flushing = false;
  function flush() {
    var items = queue();
    if (flushing || !items.length || !navigator.onLine) { return; }
    flushing = true;
    var item = items[0];
    var body = { code: item.code };
    fetch(d.scanUrl, {
      method: "POST",
      body: new URLSearchParams(Object.assign(body, item.session ? { session: item.session } : {})),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) { return response.json(); }).then(function (answer) {
      // The server has decided (checked in, already, or refused): the scan is done.
      saveQueue(queue().filter(function (other) { return other.id !== item.id; }));
      setCounts(answer.counts);
      flushing = false;
      flush();
    }).catch(function () { flushing = false; setOnline(false); });
  }

  function scan(code) {
    code = (code || "").trim();
    if (!code) { return; }
    if (!navigator.onLine) { enqueue(code); return; }
    post(d.scanUrl, { code: code }).then(show).catch(function () {
      setOnline(false);
      enqueue(code);
    });
  }

  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("scan-code");
    scan(input.value);
    input.value = "";
    input.focus();
  });

  $("undo").addEventListener("click", function () {
    if (!current) { return; }
    if (!navigator.onLine) { show({ outcome: "error", message: d.tUndoOffline, person: current }); return; }
    post(d.undoUrl, { registration: current.id }).then(show);
  });

  // --- Search -----------------------------------------------------------------------------
  var timer = null;
  function search() {
    var q = $("search-q").value.trim();
    var list = $("search-results");
    if (q.length < 2) { list.replaceChildren(); return; }
    fetch(d.searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        list.replaceChildren();
        if (!answer.results.length) {
          var none = document.createElement("li");
          none.textContent = d.tNoResults;
          list.appendChild(none);
        }
        answer.results.forEach(function (person) {
          var li = document.createElement("li");
          var label = document.createElement("span");
          label.textContent = person.name + (person.organisation ? " – " + person.organisation : "") +
            " (" + person.status_display + ")";
          var button = document.createElement("button");
          button.type = "button";
          button.className = "btn btn-primary";
          button.textContent = d.tCheckIn;
          button.setAttribute("aria-label", d.tCheckIn + ": " + person.name);
          button.addEventListener("click", function () {
            post(d.admitUrl, { registration: person.id }).then(show);
          });
          li.appendChild(label);
          li.appendChild(button);
          list.appendChild(li);
        });
      }).catch(function () { setOnline(false); });
  }
  $("search-form").addEventListener("submit", function (event) { event.preventDefault(); search(); });
  $("search-q").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });

  // --- Walk-in ----------------------------------------------------------------------------
  $("walk-in-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    post(d.walkInUrl, Object.fromEntries(new FormData(form))).then(function (answer) {
      show(answer);
      if (answer.outcome !== "error") { form.reset(); }
    });
  });

  // --- Camera -----------------------------------------------------------------------------
  var stream = null;
  var detector = ("BarcodeDetector" in window) ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  var lastCode = "";
  function decode(video, canvas) {
    if (detector) {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR ? window.jsQR(image.data, image.width, image.height) : null;
    return Promise.resolve(found ? found.data : null);
  }
  function tick() {
    var video = $("camera");
    if (!stream) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      decode(video, $("camera-frame")).then(function (code) {
        if (code && code !== lastCode) { lastCode = code; scan(code); setTimeout(function () { lastCode = ""; }, 3000); }
        requestAnimationFrame(tick);
      });
    } else {
      requestAnimationFrame(tick);
    }
  }
  $("camera-toggle").addEventListener("click", function () {
    var video = $("camera");
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      video.hidden = true;
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show({ outcome: "error", message: d.tCameraError, person: null });
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      video.play();
      requestAnimationFrame(tick);
    }).catch(function () { show({ outcome: "error", message: d.tCameraError, person: null }); });
  });

  // --- Connection and live counts ---------------------------------------------------------
  window.addEventListener("online", function () { setOnline(true); flush(); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(function () {
    if (!navigator.onLine) { return; }
    flush();
    fetch(d.countsUrl + (d.session ? "?session=" + d.session : ""), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) { setOnline(true); setCounts(answer.counts); })
      .catch(function () { setOnline(false); });
  }, 10000);
  setOnline(navigator.onLine);
  saveQueue(queue());
  flush();
}());
