// Sceau verifier page: progressive enhancement only. Without this script
// the form works as is; with it, a dropped file is put in the file field,
// the chosen file is announced, the camera can read a QR code where the
// browser offers BarcodeDetector, and focus moves to the verdict.
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

  // Camera scanning, where the browser can read QR codes itself.
  var camera = document.getElementById("camera");
  var start = document.getElementById("camera-start");
  var stop = document.getElementById("camera-stop");
  var video = document.getElementById("camera-video");
  var status = document.getElementById("camera-status");
  var canScan = "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  if (!canScan) {
    return;
  }
  camera.hidden = false;
  var stream = null;
  var timer = null;

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

  start.addEventListener("click", function () {
    var detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (err) {
      status.textContent = form.dataset.cameraUnavailable;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
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
          if (!stream) {
            return;
          }
          detector.detect(video).then(function (codes) {
            if (codes.length && codes[0].rawValue) {
              text.value = codes[0].rawValue;
              status.textContent = form.dataset.cameraFound;
              stopCamera();
              fileInput.value = "";
              form.submit();
              return;
            }
            timer = setTimeout(scan, 250);
          }, function () {
            timer = setTimeout(scan, 500);
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
