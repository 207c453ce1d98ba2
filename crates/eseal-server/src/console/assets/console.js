// The console's only script (ours, no dependencies). Every page works without it; it adds
// two things a person needs: placing the stamp by dragging it on the drawn page, and a
// progress bar while files upload. Served from /assets/console.js under the CSP
// `script-src 'self'` (no inline script anywhere).
'use strict';

(function () {
  // Placing: #sheet is the drawn page (data-width-mm / data-height-mm), #stamp the seal's
  // picture (data-width-mm / data-height-mm), #x / #y the stamp's top-left corner in mm.
  function placing() {
    var sheet = document.getElementById('sheet');
    var stamp = document.getElementById('stamp');
    var x = document.getElementById('x');
    var y = document.getElementById('y');
    if (!sheet || !stamp || !x || !y) {
      return;
    }
    var pageW = parseFloat(sheet.dataset.widthMm);
    var pageH = parseFloat(sheet.dataset.heightMm);
    var w = parseFloat(stamp.dataset.widthMm);
    var h = parseFloat(stamp.dataset.heightMm);
    if (!(pageW > 0 && pageH > 0 && w > 0 && h > 0)) {
      return;
    }
    var clamp = function (v, lo, hi) {
      return Math.min(Math.max(v, lo), Math.max(lo, hi));
    };
    // CSS pixels per mm as the page is shown now.
    var scale = function () {
      return sheet.clientWidth / pageW;
    };
    // A riding seal is cut into one slice per page, each at the page's right edge: page i
    // of n shows the stamp's i-th slice (the sheet clips the rest).
    var ridingY = document.getElementById('riding_y');
    var pages = parseInt(sheet.dataset.pages, 10) || 1;
    var pageNo = parseInt(sheet.dataset.page, 10) || 1;
    var mode = function () {
      var chosen = document.querySelector('input[name=mode]:checked');
      return chosen ? chosen.value : 'position';
    };
    var show = function () {
      var k = scale();
      stamp.style.width = w * k + 'px';
      stamp.style.height = h * k + 'px';
      if (mode() === 'riding' && ridingY) {
        stamp.style.left = (pageW - (pageNo * w) / pages) * k + 'px';
        stamp.style.top = clamp(parseFloat(ridingY.value) || 0, 0, pageH - h) * k + 'px';
        return;
      }
      stamp.style.left = clamp(parseFloat(x.value) || 0, 0, pageW - w) * k + 'px';
      stamp.style.top = clamp(parseFloat(y.value) || 0, 0, pageH - h) * k + 'px';
    };
    var byPosition = function () {
      var r = document.querySelector('input[name=mode][value=position]');
      if (r) {
        r.checked = true;
      }
      stamp.classList.remove('inactive');
    };
    var set = function (mmX, mmY) {
      x.value = clamp(mmX, 0, pageW - w).toFixed(1);
      y.value = clamp(mmY, 0, pageH - h).toFixed(1);
      byPosition();
      show();
    };
    var grab = null;
    stamp.addEventListener('pointerdown', function (e) {
      e.preventDefault();
      stamp.setPointerCapture(e.pointerId);
      var r = stamp.getBoundingClientRect();
      grab = { dx: e.clientX - r.left, dy: e.clientY - r.top };
      stamp.classList.add('dragging');
    });
    stamp.addEventListener('pointermove', function (e) {
      if (!grab) {
        return;
      }
      var r = sheet.getBoundingClientRect();
      var k = scale();
      set((e.clientX - grab.dx - r.left) / k, (e.clientY - grab.dy - r.top) / k);
    });
    var drop = function () {
      grab = null;
      stamp.classList.remove('dragging');
    };
    stamp.addEventListener('pointerup', drop);
    stamp.addEventListener('pointercancel', drop);
    // A click on the page centres the stamp there.
    sheet.addEventListener('click', function (e) {
      if (e.target === stamp) {
        return;
      }
      var r = sheet.getBoundingClientRect();
      var k = scale();
      set((e.clientX - r.left) / k - w / 2, (e.clientY - r.top) / k - h / 2);
    });
    // The arrow keys move it 1 mm (10 with Shift).
    stamp.addEventListener('keydown', function (e) {
      var step = e.shiftKey ? 10 : 1;
      var dx = { ArrowLeft: -step, ArrowRight: step }[e.key] || 0;
      var dy = { ArrowUp: -step, ArrowDown: step }[e.key] || 0;
      if (dx || dy) {
        e.preventDefault();
        set((parseFloat(x.value) || 0) + dx, (parseFloat(y.value) || 0) + dy);
      }
    });
    // Placed by keyword or as a riding seal, the stamp on the page is only a ghost: the
    // server finds where it goes.
    var modes = document.querySelectorAll('input[name=mode]');
    var ghost = function () {
      stamp.classList.toggle('inactive', mode() !== 'position');
      show();
    };
    modes.forEach(function (m) {
      m.addEventListener('change', ghost);
    });
    if (ridingY) {
      ridingY.addEventListener('input', show);
    }
    x.addEventListener('input', show);
    y.addEventListener('input', show);
    window.addEventListener('resize', show);
    stamp.hidden = false;
    ghost();
    document.querySelectorAll('.js-only').forEach(function (el) {
      el.classList.add('shown');
    });
    show();
  }

  // Upload progress: a form with data-progress is sent by XMLHttpRequest so its <progress>
  // can move; the answer then replaces the page (or, after a redirect, is navigated to).
  function progress() {
    document.querySelectorAll('form[data-progress]').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        if (!window.FormData || !window.XMLHttpRequest) {
          return;
        }
        e.preventDefault();
        var bar = form.querySelector('progress');
        var button = form.querySelector('button[type=submit]');
        if (bar) {
          bar.hidden = false;
          bar.value = 0;
        }
        if (button) {
          button.disabled = true;
        }
        var xhr = new XMLHttpRequest();
        xhr.open('POST', form.action);
        xhr.upload.addEventListener('progress', function (p) {
          if (bar && p.lengthComputable) {
            bar.value = Math.round((100 * p.loaded) / p.total);
          }
        });
        xhr.addEventListener('load', function () {
          var asked = new URL(form.action, location.href).href;
          if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== asked) {
            location.assign(xhr.responseURL);
            return;
          }
          document.open();
          document.write(xhr.responseText);
          document.close();
        });
        xhr.addEventListener('error', function () {
          if (button) {
            button.disabled = false;
          }
          if (bar) {
            bar.hidden = true;
          }
          form.submit();
        });
        xhr.send(new FormData(form));
      });
    });
  }

  // A plain form's button is disabled once pressed (the server ignores a second
  // submission anyway).
  function once() {
    document.querySelectorAll('form:not([data-progress])').forEach(function (form) {
      form.addEventListener('submit', function () {
        var button = form.querySelector('button[type=submit]');
        if (button) {
          window.setTimeout(function () {
            button.disabled = true;
          }, 0);
        }
      });
    });
  }

  // The application form: the impression of the kind, name and organisation being typed
  // (the one registered with the police, or the standard style), asked of the server half a
  // second after the typing stops.
  function preview() {
    var img = document.getElementById('impression_preview');
    var kind = document.getElementById('kind');
    var name = document.getElementById('seal_name');
    var org = document.getElementById('organisation_code');
    if (!img || !kind || !name) {
      return;
    }
    var timer = null;
    var update = function () {
      var text = name.value.trim();
      if (!text) {
        img.hidden = true;
        return;
      }
      img.src =
        img.dataset.src +
        '?kind=' +
        encodeURIComponent(kind.value) +
        '&seal_name=' +
        encodeURIComponent(text) +
        (org ? '&organisation_code=' + encodeURIComponent(org.value.trim()) : '');
      img.hidden = false;
    };
    var later = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 500);
    };
    img.addEventListener('error', function () {
      img.hidden = true;
    });
    name.addEventListener('input', later);
    if (org) {
      org.addEventListener('input', later);
    }
    kind.addEventListener('change', update);
    document.querySelectorAll('.js-only').forEach(function (el) {
      el.classList.add('shown');
    });
    update();
  }

  // The application form: a field only some purposes need (data-for lists them) is shown
  // when one of them is chosen; without JavaScript every field is shown.
  function purposeFields() {
    var select = document.getElementById('applying_for');
    if (!select) {
      return;
    }
    var sync = function () {
      document.querySelectorAll('[data-for]').forEach(function (el) {
        el.hidden = el.dataset.for.split(' ').indexOf(select.value) < 0;
      });
    };
    select.addEventListener('change', sync);
    sync();
  }

  placing();
  preview();
  purposeFields();
  progress();
  once();
})();
