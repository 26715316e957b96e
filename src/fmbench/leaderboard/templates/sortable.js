(function(){
  function key(td){var s=td.getAttribute("data-sort");if(s===null){s=td.textContent.trim();}
    var n=parseFloat(s);return (s!==""&&!isNaN(n)&&isFinite(s))?{n:n}:{s:s.toLowerCase()};}
  function cmp(a,b){if(a.n!==undefined&&b.n!==undefined){return a.n-b.n;}
    if(a.n!==undefined){return -1;}if(b.n!==undefined){return 1;}return a.s<b.s?-1:(a.s>b.s?1:0);}
  function sortBy(table,col,th){var body=table.tBodies[0];if(!body){return;}
    var asc=th.getAttribute("aria-sort")!=="ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.removeAttribute("aria-sort");});
    th.setAttribute("aria-sort",asc?"ascending":"descending");
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(r1,r2){var d=cmp(key(r1.cells[col]),key(r2.cells[col]));return asc?d:-d;});
    rows.forEach(function(r){body.appendChild(r);});}
  document.addEventListener("DOMContentLoaded",function(){
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"),function(t){
      if(!t.tHead){return;}
      Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){
        th.setAttribute("tabindex","0");th.setAttribute("title","Sort by this column");
        th.addEventListener("click",function(){sortBy(t,i,th);});
        th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();sortBy(t,i,th);}});
      });});});
})();
