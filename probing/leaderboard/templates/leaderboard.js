// The leaderboard tables: a click on a column header sorts by that column (again: reversed; empty cells last), and
// the filters show only the entries of one model family and within a range of parameters (in millions).
(function () {
  "use strict";
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null || raw === "") { return null; }
    var number = Number(raw);
    return isNaN(number) ? raw.toLowerCase() : number;
  }
  function compare(x, y, descending) {
    if (x === y) { return 0; }
    if (x === null) { return 1; }
    if (y === null) { return -1; }
    if (typeof x !== typeof y) { x = String(x); y = String(y); }
    return (x < y ? -1 : 1) * (descending ? -1 : 1);
  }
  // An entry's row of details (tr.more) follows it wherever it goes.
  function details(row) {
    var next = row.nextElementSibling;
    return next && next.classList.contains("more") ? next : null;
  }
  function sortBy(table, index, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.filter.call(body.rows, function (row) { return row.classList.contains("entry"); });
    var pairs = rows.map(function (row) { return [row, details(row)]; });
    pairs.sort(function (a, b) { return compare(key(a[0].cells[index]), key(b[0].cells[index]), descending); });
    pairs.forEach(function (pair) {
      body.appendChild(pair[0]);
      if (pair[1]) { body.appendChild(pair[1]); }
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.setAttribute("aria-sort", i === index ? (descending ? "descending" : "ascending") : "none");
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.board"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.addEventListener("click", function () {
        sortBy(table, index, th.getAttribute("aria-sort") !== "descending");
      });
    });
  });

  var family = document.getElementById("filter-family");
  var low = document.getElementById("filter-min");
  var high = document.getElementById("filter-max");
  var count = document.getElementById("filter-count");
  function bound(input) {
    var value = parseFloat(input.value);
    return isNaN(value) ? null : value * 1e6;
  }
  // An entry of unknown size (a baseline without a model, or a results file without num_parameters) is shown only
  // while no size bound is set.
  function shown(row, name, min, max) {
    if (name && row.getAttribute("data-family") !== name) { return false; }
    if (min === null && max === null) { return true; }
    var params = parseFloat(row.getAttribute("data-params"));
    return !isNaN(params) && (min === null || params >= min) && (max === null || params <= max);
  }
  function filter() {
    var name = family.value, min = bound(low), max = bound(high), visible = 0;
    var rows = document.querySelectorAll("table.board > tbody > tr.entry");
    Array.prototype.forEach.call(rows, function (row) {
      row.hidden = !shown(row, name, min, max);
      if (details(row)) { details(row).hidden = row.hidden; }
      visible += row.hidden ? 0 : 1;
    });
    count.textContent = "showing " + visible + " of " + rows.length + " rows";
  }
  [family, low, high].forEach(function (input) {
    input.addEventListener("input", filter);
    input.addEventListener("change", filter);
  });
  document.getElementById("filters").addEventListener("submit", function (event) { event.preventDefault(); });
  filter();
  document.body.setAttribute("data-ready", "sortable");
})();
