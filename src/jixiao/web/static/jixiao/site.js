/* jixiao: refused saves shown at the row, confirmations, unsaved-change guards.
 *
 * htmx 2 does not swap error responses. A row save the server refuses answers 400/403/409
 * with a .save-refused fragment (the reason, the saved and the typed value of each field,
 * the row as saved); it is put into the row's .save-notice and the typed values stay in
 * the inputs, marked. Other failures (403 page, 5xx, network) get a notice built here from
 * the inputs: what was loaded with the page and what was typed.
 */
(function () {
  "use strict";

  function rowForm(detail) {
    // the element that sent the request (beforeSwap's detail.elt is the swap target)
    var elt = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    return elt && elt.closest ? elt.closest("form[data-code]") : null;
  }

  function controls(form) {
    return Array.from(form.elements).filter(function (e) { return e.name && e.type !== "hidden"; });
  }

  function changed(e) {
    if (e.type === "checkbox" || e.type === "radio") return e.checked !== e.defaultChecked;
    if (e.tagName === "SELECT") return Array.from(e.options).some(function (o) { return o.selected !== o.defaultSelected; });
    return e.value !== e.defaultValue;
  }

  function shown(e) {
    if (e.tagName === "SELECT") return e.options[e.selectedIndex] ? e.options[e.selectedIndex].text : "";
    return e.value;
  }

  function mark(form, names) {
    controls(form).forEach(function (e) {
      e.classList.toggle("unsaved", names ? names.indexOf(e.name) >= 0 : changed(e));
    });
  }

  function wire(notice, form) {
    var box = notice.querySelector(".save-refused");
    if (!box) return;
    var take = box.querySelector(".take-server");
    var tpl = box.querySelector("template.server-row");
    if (take && tpl) take.addEventListener("click", function () {
      var row = form.closest("tr");
      var fresh = tpl.content.firstElementChild.cloneNode(true);
      row.replaceWith(fresh);
      htmx.process(fresh);
    });
    var over = box.querySelector(".overwrite");
    if (over) over.addEventListener("click", function () {
      if (box.dataset.version) form.querySelector("input[name=version]").value = box.dataset.version;
      notice.innerHTML = "";
      htmx.trigger(form, "change");
    });
  }

  function showSaved(form, box) {
    // the cells around the inputs (score, explanation, declared, findings) show what is saved:
    // only the inputs hold the user's unsaved values, marked
    var tpl = box.querySelector("template.server-row");
    var row = form.closest("tr");
    var fresh = tpl && tpl.content.firstElementChild;
    if (!fresh || !row || fresh.cells.length !== row.cells.length) return;
    Array.from(row.cells).forEach(function (cell, i) {
      if (cell.contains(form)) return;
      cell.innerHTML = fresh.cells[i].innerHTML;
      if (fresh.cells[i].dataset.score !== undefined) cell.dataset.score = fresh.cells[i].dataset.score;
    });
  }

  function localNotice(form, reason) {
    var notice = form.querySelector(".save-notice");
    if (!notice) return;
    var box = document.createElement("div");
    box.className = "save-refused refused-error";
    box.setAttribute("role", "alert");
    var head = document.createElement("div");
    head.innerHTML = "<b>未保存：</b>";
    head.appendChild(document.createTextNode(reason + "。输入框中的内容仍保留（已标出）。"));
    box.appendChild(head);
    var table = document.createElement("table");
    table.className = "compare";
    table.innerHTML = "<tr><th>字段</th><th>页面载入时已保存的</th><th>您填写的（未保存）</th></tr>";
    controls(form).filter(changed).forEach(function (e) {
      var label = e.closest("label");
      var tr = document.createElement("tr");
      [label ? label.firstChild.textContent.trim() : e.name,
       e.tagName === "SELECT" ? (Array.from(e.options).find(function (o) { return o.defaultSelected; }) || {text: ""}).text : e.defaultValue,
       shown(e)].forEach(function (text, i) {
        var td = document.createElement("td");
        td.className = ["", "theirs", "mine"][i];
        td.textContent = text || "（空）";
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    box.appendChild(table);
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "overwrite";
    retry.textContent = "重试保存";
    box.appendChild(retry);
    notice.innerHTML = "";
    notice.appendChild(box);
    mark(form);
    wire(notice, form);
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var form = rowForm(evt.detail);
    var xhr = evt.detail.xhr;
    if (!form || xhr.status < 400) return;
    evt.detail.shouldSwap = false;
    evt.detail.isError = false;
    var notice = form.querySelector(".save-notice");
    if (notice && xhr.responseText.indexOf("save-refused") >= 0) {
      // the server's refusal: into the row's notice; its out-of-band parts (total) as usual
      htmx.swap(notice, xhr.responseText, {swapStyle: "innerHTML"});
      var box = notice.querySelector(".save-refused");
      mark(form, (box.dataset.fields || "").split(" ").filter(Boolean));
      wire(notice, form);
      showSaved(form, box);
    } else {
      localNotice(form, xhr.status === 403 ? "无权保存（HTTP 403），请刷新页面或重新登录" : "服务器未能保存（HTTP " + xhr.status + "）");
    }
  });

  document.addEventListener("htmx:sendError", function (evt) {
    var form = rowForm(evt.detail);
    if (form) localNotice(form, "网络错误，未能连接服务器");
  });

  /* forms that must not be left with unsaved changes: data-dirty-guard marks them; a form
     with data-requires-saved="<id>" (提交审核) refuses while that form has changes */
  function dirty(form) {
    return form.dataset.dirty === "1" || controls(form).some(changed);
  }

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var guarded = form.dataset.requiresSaved && document.getElementById(form.dataset.requiresSaved);
    if (guarded && dirty(guarded)) {
      evt.preventDefault();
      mark(guarded);
      alert("本页有未保存的修改（已标出）。请先点“保存并计分”保存成功后再提交，否则提交的是上次保存的版本。");
      return;
    }
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) evt.preventDefault();
  }, true);
})();
