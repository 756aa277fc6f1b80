// Sorting of the leaderboard tables: a click on a column header sorts by that column (again: reversed).
(function () {
  "use strict";
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    var number = parseFloat(raw);
    return isNaN(number) ? (raw || cell.textContent).toLowerCase() : number;
  }
  function sortBy(table, index, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      if (x === y) { return 0; }
      return (x < y ? -1 : 1) * (descending ? -1 : 1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
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
  document.body.setAttribute("data-ready", "sortable");
})();
