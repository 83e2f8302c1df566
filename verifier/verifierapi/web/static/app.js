// Sceau verifier page: progressive enhancement only. Without this script
// the form works as is; with it, a dropped file is put in the file field,
// the chosen file is announced, the camera reads a QR code (in the
// browser where it can, else through the server), a certificate's link
// is verified on arrival, and focus moves to the verdict.
(function () {
  "use strict";

  var form = document.getElementById("verify-form");
  var fileInput = document.getElementById("file");
  var chosen = document.getElementById("chosen");
  var text = document.getElementById("credential");
  if (!form || !fileInput) {
    return;
  }

  // Move focus to the verdict, so that screen readers read it first.
  var verdict = document.getElementById("verdict") || document.getElementById("error");
  if (verdict) {
    if (!verdict.hasAttribute("tabindex")) {
      verdict.setAttribute("tabindex", "-1");
    }
    verdict.focus();
  }

  // submitForm submits the form. The form's button is named "submit",
  // which hides form.submit: the prototype's method is called instead.
  function submitForm() {
    HTMLFormElement.prototype.submit.call(form);
  }

  function announceFile() {
    var f = fileInput.files && fileInput.files[0];
    chosen.textContent = f ? form.dataset.chosen + " " + f.name : "";
  }
  fileInput.addEventListener("change", announceFile);

  // Drag and drop onto the drop zone.
  var zone = document.getElementById("dropzone");
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) {
      e.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () {
      zone.classList.remove("over");
    });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
      fileInput.files = e.dataTransfer.files;
      announceFile();
    }
  });

  // A certificate's link (credential.Link: <public URL>/v#sc1=…) opens
  // this page with the credential in the fragment, which browsers never
  // send to a server: the script submits it like a pasted text.
  var hash = window.location.hash;
  if (/^#(sc1=|SC1:|SC1%3A)/i.test(hash)) {
    text.value = window.location.href;
    fileInput.value = "";
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    submitForm();
    return;
  }

  // Camera scanning, wherever the browser gives the camera (a secure
  // page: https, or localhost). The browser reads the QR code itself where
  // it has a BarcodeDetector that knows QR codes; elsewhere (Safari on
  // iOS, Firefox, desktop Chrome) the page sends a shrunk frame every
  // 300 ms to the server, which reads it (POST /v1/scan).
  var camera = document.getElementById("camera");
  var start = document.getElementById("camera-start");
  var stop = document.getElementById("camera-stop");
  var video = document.getElementById("camera-video");
  var status = document.getElementById("camera-status");
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
    if (window.isSecureContext === false) {
      camera.hidden = false;
      start.hidden = true;
      status.textContent = form.dataset.cameraInsecure;
    }
    return;
  }
  camera.hidden = false;
  var stream = null;
  var timer = null;
  var canvas = document.createElement("canvas");
  // frameSide is the longest side of a frame sent to the server.
  var frameSide = 800;
  var frameInterval = 300;

  function stopCamera() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  // browserDetector resolves to a BarcodeDetector reading QR codes, or
  // null when the browser has none.
  function browserDetector() {
    if (!("BarcodeDetector" in window)) {
      return Promise.resolve(null);
    }
    var supported = window.BarcodeDetector.getSupportedFormats ?
      window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
    return supported.then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  }

  // readInBrowser resolves to the text of the QR code in view, or null.
  function readInBrowser(detector) {
    return detector.detect(video).then(function (codes) {
      return codes.length && codes[0].rawValue ? codes[0].rawValue : null;
    });
  }

  // readOnServer sends the frame in view, shrunk to frameSide, as a JPEG,
  // and resolves to the text of its QR code, or null. A busy or
  // rate-limited server (503, 429) slows the frames down.
  function readOnServer() {
    var w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) {
      return Promise.resolve(null);
    }
    var scale = Math.min(1, frameSide / Math.max(w, h));
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, "image/jpeg", 0.85);
    }).then(function (blob) {
      if (!blob || !stream) {
        return null;
      }
      return fetch("/v1/scan", {
        method: "POST", body: blob, cache: "no-store", credentials: "same-origin",
        headers: { "Content-Type": "image/jpeg" }
      });
    }).then(function (resp) {
      if (!resp) {
        return null;
      }
      if (resp.status === 429 || resp.status === 503) {
        frameInterval = Math.min(2000, frameInterval * 2);
        return null;
      }
      frameInterval = 300;
      if (!resp.ok) {
        return null;
      }
      return resp.json().then(function (answer) {
        return answer.found ? answer.credential : null;
      });
    });
  }

  function found(value) {
    text.value = value;
    status.textContent = form.dataset.cameraFound;
    stopCamera();
    fileInput.value = "";
    submitForm();
  }

  start.addEventListener("click", function () {
    var read = null;
    browserDetector()
      .then(function (detector) {
        read = detector ? function () { return readInBrowser(detector); } : readOnServer;
        camera.dataset.reader = detector ? "browser" : "server";
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        stop.focus();
        status.textContent = form.dataset.cameraHint;
        return video.play();
      })
      .then(function () {
        var scan = function () {
          timer = null;
          if (!stream) {
            return;
          }
          read().then(function (value) {
            if (!stream) {
              return;
            }
            if (value) {
              found(value);
              return;
            }
            timer = setTimeout(scan, frameInterval);
          }, function () {
            if (!stream) {
              return;
            }
            if (camera.dataset.reader === "browser") {
              // The browser's reader fails on this device: the server
              // reads the frames instead.
              read = readOnServer;
              camera.dataset.reader = "server";
            }
            timer = setTimeout(scan, 1000);
          });
        };
        scan();
      })
      .catch(function () {
        stopCamera();
        status.textContent = form.dataset.cameraUnavailable;
      });
  });
  stop.addEventListener("click", function () {
    stopCamera();
    start.focus();
  });
})();
