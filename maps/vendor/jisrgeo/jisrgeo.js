/* jisrgeo's map pages: one script for the day viewer and the animated map.
 *
 * Every fact comes from the JG tables (places.js, written by jisrgeo.maps._places.payload); the
 * tables' text is escaped HTML already. A page calls jgStart(map, {mode, date, index}).
 * Days are numbers counted from JG.meta.t0; a state "on day n" is the state at the end of day n.
 */
/* eslint-env browser */
/* global L, JG */
(function () {
  'use strict';

  var DAY_MS = 86400000;
  var PHONE_PX = 700;
  // Panes in drawing order: what lies above takes the click.
  // Earlier events lie under the places (never a grey dot over a town), the day's events beside them above.
  // The ground's lines (rivers, borders, roads) lie over the zone fills, as on the PNGs, and under every mark.
  var PANES = [['jgZones', 410], ['jgLines', 415], ['jgFronts', 420], ['jgRoutes', 430], ['jgEarlier', 435], ['jgPlaces', 440],
               ['jgEvents', 450], ['jgLabels', 460]];

  function t0() { var p = JG.meta.t0.split('-'); return Date.UTC(+p[0], +p[1] - 1, +p[2]); }
  function iso(n) { return new Date(t0() + n * DAY_MS).toISOString().slice(0, 10); }
  function dayOf(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || '');
    if (!m) { return null; }
    var n = Math.round((Date.UTC(+m[1], +m[2] - 1, +m[3]) - t0()) / DAY_MS);
    return n >= 0 && n < JG.meta.days ? n : null;
  }
  function isPhone() { return window.innerWidth < PHONE_PX; }
  function el(tag, cls, html) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (html !== undefined) { e.innerHTML = html; }
    return e;
  }
  // A list of the day: the first FOLD_AFTER items, the rest folded ("12 more").
  var FOLD_AFTER = 5;
  function list(items, none) {
    function li(i) { return '<li>' + i + '</li>'; }
    if (!items.length) { return '<ul><li>' + none + '</li></ul>'; }
    var shown = items.length > FOLD_AFTER + 1 ? items.slice(0, FOLD_AFTER) : items, rest = items.slice(shown.length);
    return '<ul>' + shown.map(li).join('') + '</ul>' + (rest.length ? '<details class="jg-more"><summary>' + rest.length
      + ' more</summary><ul>' + rest.map(li).join('') + '</ul></details>' : '');
  }
  var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
                'November', 'December'];
  function dateWords(n) {
    var d = new Date(t0() + n * DAY_MS);
    return d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
  }
  // The day in a line, written by the build for every day of any period (maps/describe.py, the PNGs' words too):
  // "25 April 2015: the opposition takes Jisr al-Shughur and five more places". [day, headline, description?]
  function told(view, n) {
    var words = view.part.words || [];
    for (var k = 0; k < words.length; k++) { if (words[k][0] === n) { return words[k]; } }
    return null;
  }
  function headline(view, n) { var t = told(view, n); return t ? t[1] : dateWords(n); }

  // ---- popups: opened on click, sized and panned for the screen they open on ----
  function popupOptions(view) {
    var top = view.furniture.top(), bottom = view.furniture.bottom(), left = view.furniture.left();
    var layers = view.layerControl && view.layerControl.getContainer().getBoundingClientRect();
    if (layers) { top = Math.max(top, layers.bottom); }  // the layers button, top right: never under a popup's close
    // At most half the screen (the box, its tip and padding included): the map stays in sight around it.
    var half = Math.floor(window.innerHeight * 0.5) - 50;
    return {maxWidth: Math.min(320, window.innerWidth - 90), minWidth: Math.min(200, window.innerWidth - 90),
            maxHeight: Math.max(120, Math.min(half, window.innerHeight - top - bottom - 90)),
            autoPanPaddingTopLeft: L.point(left + 10, top + 10), autoPanPaddingBottomRight: L.point(10, bottom + 10),
            className: 'jg-popup-box'};
  }
  function onClickPopup(view, layer, content) {
    layer.on('click', function (e) {
      L.DomEvent.stop(e);
      L.popup(popupOptions(view)).setLatLng(e.latlng || layer.getLatLng()).setContent(content()).openOn(view.map);
    });
    return layer;
  }
  function sourcesList(refs) {
    return refs.filter(function (r) { return JG.sources[r] !== undefined; }).map(function (r) { return '<li>' + JG.sources[r] + '</li>'; }).join('');
  }
  function placePopup(i, c) {
    if (c < 0) {
      return JG.popups[i].replace('<!--@STATE@-->', 'no control recorded').replace('<!--@SOURCES@-->', sourcesList(JG.placeRefs[i]));
    }
    var ch = JG.changes[c];
    var state = JG.stateText[ch[0]] + (ch[1] ? ', since ' + ch[1] : ', since the start of the period')
      + (ch[2] & 1 ? ' (inferred by us, not stated by a source)' : '') + (ch[2] & 2 ? ' (date known only within a range)' : '');
    var refs = JG.placeRefs[i].concat(ch[3]).filter(function (r, k, all) { return all.indexOf(r) === k; })
      .sort(function (a, b) { return a - b; });
    return JG.popups[i].replace('<!--@STATE@-->', state).replace('<!--@SOURCES@-->', sourcesList(refs));
  }

  // ---- the tables by period: JG.chunks [first day, end day, src]; JG.parts[k] once loaded ----
  // A long period's tables come in files of a month or a quarter (tables/*.js, each calling jgChunk), loaded
  // by <script> when a day needs them: a <script> loads from file:// where fetch() may not.
  var waiting = {};
  JG.parts = JG.parts || [];
  window.jgChunk = function (k, tables) {
    JG.parts[k] = unpack(tables);
    (waiting[k] || []).forEach(function (f) { f(); });
    delete waiting[k];
  };
  // A period file comes packed (_chunks.pack): strings and HTML pieces as numbers into its lists, shapes as
  // whole-number steps. Unpacked once here, the tables are what the build's part() made.
  function unpack(t) {
    var p = t.packed;
    if (!p) { return t; }
    var word = function (i) { return i < 0 ? null : p.strings[i]; };
    var html = function (codes) { return codes.map(function (i) { return p.pieces[i]; }).join(''); };
    var ring = function (flat) {
      var out = [], lat = 0, lng = 0;
      for (var i = 0; i < flat.length; i += 2) { lat += flat[i]; lng += flat[i + 1]; out.push([lat / p.scale, lng / p.scale]); }
      return out;
    };
    var shape = function (s) { return typeof s[0] === 'number' ? ring(s) : s.map(shape); };
    t.zones.forEach(function (z) { for (var c = 3; c <= 6; c++) { z[c] = word(z[c]); } });
    t.fronts.forEach(function (f) { f[3] = word(f[3]); f[4] = word(f[4]); });
    t.shapes = t.shapes.map(shape);
    t.events.forEach(function (e) { e[5] = html(e[5]); });
    t.eventPopups = t.eventPopups.map(html);
    delete t.packed;
    return t;
  }
  function chunkOf(n) {
    for (var k = 0; k < JG.chunks.length; k++) { if (n < JG.chunks[k][1]) { return k; } }
    return JG.chunks.length - 1;
  }
  function part(n) { return JG.parts[chunkOf(n)]; }
  // Calls done() once the tables of days first..last are loaded: at once if they are.
  function ensure(first, last, done, failed) {
    var missing = [];
    for (var k = chunkOf(Math.max(first, 0)); k <= chunkOf(last); k++) { if (!JG.parts[k]) { missing.push(k); } }
    var left = missing.length;
    if (!left) { done(); return; }
    missing.forEach(function (k) {
      var first_ = !waiting[k];
      (waiting[k] = waiting[k] || []).push(function () { left -= 1; if (!left) { done(); } });
      if (!first_) { return; }
      var s = document.createElement('script');
      s.src = JG.chunks[k][2];
      s.className = 'jg-chunk';
      s.onerror = function () { delete waiting[k]; s.remove(); if (failed) { failed(JG.chunks[k][2]); } };
      document.head.appendChild(s);
    });
  }

  // ---- the state of every place on a day ----
  function byPlace(p) {
    if (!p.byPlace) {
      p.byPlace = JG.ids.map(function () { return []; });
      p.intervals.forEach(function (r) { p.byPlace[r[3]].push(r); });
    }
    return p.byPlace;
  }
  function stateOn(intervals, n) {
    for (var k = 0; k < intervals.length; k++) {
      if (intervals[k][0] <= n && n < intervals[k][1]) { return intervals[k]; }
    }
    return null;
  }

  // ---- drawing ----
  function markerStyle(key, c) {
    var s = JG.styles[key];
    // What we deduced gets a white centre (as on the PNGs), never a paler fill: a paler colour can reach
    // another side's colour or the "no control" grey for colour-blind readers.
    var uncertain = c >= 0 && JG.changes[c][2] > 0;
    return {radius: s.radius, color: s.color, weight: s.weight, dashArray: s.dash, fillColor: s.fill,
            fillOpacity: s.opacity, uncertain: uncertain};
  }
  function setClass(layer, cls) {
    layer.options.className = cls;
    var p = layer.getElement && layer.getElement();
    if (p) { p.setAttribute('class', cls + ' leaflet-interactive'); }
  }
  function placeClass(i, key, uncertain) {
    return 'jg-place place-' + JG.ids[i] + ' controller-' + JG.styles[key].side + (uncertain ? ' jg-uncertain' : '')
      + (JG.doubt[i] ? ' jg-inferred-position' : '');
  }
  function makePlace(view, i) {
    var here = [JG.coords[i][1], JG.coords[i][0]];
    var m = L.circleMarker(here, {pane: 'jgPlaces', radius: 5, bubblingMouseEvents: false});
    m.jgState = null;
    m.jgCentre = L.circleMarker(here, {pane: 'jgPlaces', radius: 2, stroke: false, fillColor: '#ffffff', fillOpacity: 1,
                                       interactive: false, className: 'jg-uncertain-centre'});
    onClickPopup(view, m, function () { return placePopup(i, m.jgState ? m.jgState[4] : -1); });
    if (JG.doubt[i]) {  // a position we placed by inference shows its radius of doubt on hover or when opened
      var doubt = L.circle(here, {pane: 'jgZones', radius: JG.doubt[i], color: '#444444', weight: 1, dashArray: '4 4', fill: false,
                                  interactive: false, className: 'jg-doubt'});
      m.on('mouseover click', function () { doubt.addTo(view.map); }).on('mouseout', function () { doubt.remove(); });
      view.map.on('popupclose', function () { doubt.remove(); });
    }
    if (!L.Browser.touch) { m.bindTooltip(JG.names[i] + (JG.doubt[i] ? ' (position inferred, ±' + JG.doubt[i] + ' m)' : '')); }
    return m;
  }
  // A war's thousands of places at the zoom of the whole country: smaller marks, so the ground between shows.
  var CROWDED = 400;
  var markScale = 1;
  function setMarkScale(view) {
    var before = markScale;
    markScale = JG.ids.length > CROWDED && view.fitZoom !== undefined
      ? Math.max(0.45, Math.min(1, Math.pow(2, (view.map.getZoom() - view.fitZoom - 2) / 2))) : 1;
    return before !== markScale;
  }
  function stylePlace(m, i, state) {
    var key = state ? state[2] : 0, c = state ? state[4] : -1, s = markerStyle(key, c);
    s.radius *= markScale;
    s.weight *= Math.max(markScale, 0.6);
    m.setStyle(s);
    m.setRadius(s.radius);
    setClass(m, placeClass(i, key, s.uncertain));
    m.jgCentre.setRadius(Math.max(2, s.radius * 0.4));
    if (s.uncertain && m.jgGroup) { m.jgCentre.addTo(m.jgGroup); } else { m.jgCentre.remove(); }
  }
  // Zones by certainty (contract of areas.py): reported solid in the side's colour; inferred or an unreported
  // change hatched in the side's colour; contested or besieged hatched in the challenger's colour. Never a paler shade.
  var BASIS_TEXT = {reported: 'from reported control', inferred: 'inferred by us (no source states it)',
                    unreported_change: 'control may have changed without a report'};
  function patterns() {
    var defs = Object.keys(JG.sideColors).map(function (code) {
      return '<pattern id="jg-hatch-' + code + '" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        + '<rect width="8" height="8" fill="' + JG.sideColors[code] + '" fill-opacity="0.12"/>'
        + '<line x1="0" y1="0" x2="0" y2="8" stroke="' + JG.sideColors[code] + '" stroke-width="3" stroke-opacity="0.75"/></pattern>';
    });
    // A contested or besieged zone keeps its holder's colour, with the challenger's sparse hatch over it.
    Object.keys(JG.sideColors).forEach(function (holder) {
      Object.keys(JG.sideColors).forEach(function (challenger) {
        if (holder === challenger) { return; }
        defs.push('<pattern id="jg-siege-' + holder + '-' + challenger + '" width="12" height="12" patternUnits="userSpaceOnUse" '
          + 'patternTransform="rotate(45)"><rect width="12" height="12" fill="' + JG.sideColors[holder] + '" fill-opacity="' + JG.meta.fill + '"/>'
          + '<line x1="0" y1="0" x2="0" y2="12" stroke="' + JG.sideColors[challenger] + '" stroke-width="3" stroke-opacity="0.85"/></pattern>');
      });
    });
    defs.push('<pattern id="jg-siege-legend" width="12" height="12" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
      + '<rect width="12" height="12" fill="#9a9a9a" fill-opacity="0.45"/><line x1="0" y1="0" x2="0" y2="12" stroke="#444" stroke-width="3"/></pattern>');
    defs.push('<filter id="jg-soft" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="1.5"/></filter>');
    defs.push('<pattern id="jg-hatch-legend" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
      + '<line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="2.5"/></pattern>');
    var svg = el('div', 'jg-defs', '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>' + defs.join('') + '</defs></svg>');
    document.body.appendChild(svg);
  }
  function zone(view, z) {
    var contested = z[5] && z[4] !== 'held', hatched = contested || z[6] !== 'reported';
    var color = JG.sideColors[z[3]] || JG.legend.unknown;
    var fill = contested ? 'url(#jg-siege-' + z[3] + '-' + z[5] + ')' : hatched ? 'url(#jg-hatch-' + z[3] + ')' : color;
    // The challenger's colour rings a contested zone; the holder's colour fills it.
    var area = L.polygon(view.part.shapes[z[2]], {pane: 'jgZones', color: contested ? (JG.sideColors[z[5]] || color) : color,
      weight: contested ? 2.5 : 1, opacity: 0.8,
      dashArray: z[6] === 'reported' && !contested ? null : '5 4', fillColor: color, fillOpacity: hatched ? 1 : JG.meta.fill,
      className: 'jg-zone zone-side-' + z[3] + ' zone-status-' + z[4] + ' zone-basis-' + z[6]
        + (z[7] >= 0 ? ' zone-place-' + JG.ids[z[7]] : '')});
    area.on('add', function () { var e = area.getElement(); if (e && hatched) { e.setAttribute('fill', fill); } });
    return onClickPopup(view, area, function () {
      return '<div class="jg-popup"><h4>Estimated zone (derived, not observed)</h4><div>' + (JG.sideLabels[z[3]] || z[3])
        + ', ' + z[4] + (z[5] ? ' by ' + (JG.sideLabels[z[5]] || z[5]) : '') + '</div><div>' + BASIS_TEXT[z[6]] + '</div>'
        + (z[7] >= 0 ? '<div>Around: ' + JG.names[z[7]] + '</div>' : '') + '<div>' + z[8] + ' km²</div><div><i>'
        + JG.methods[z[9]] + '</i></div></div>';
    });
  }
  function front(view, f) {
    // Estimated, so lighter than anything observed: a dashed mid-grey, never the heaviest ink on the map.
    return onClickPopup(view, L.polyline(view.part.shapes[f[2]], {pane: 'jgFronts', color: '#5a5a5a', weight: 2.5, opacity: 0.8,
                                                          dashArray: '8 5',
                                                          className: 'jg-front'}),
      function () {
        return '<div class="jg-popup"><h4>Estimated front line (derived)</h4><div>Between ' + (JG.sideLabels[f[3]] || f[3])
          + ' and ' + (JG.sideLabels[f[4]] || f[4]) + '</div><div>' + f[5] + ' km</div></div>';
      });
  }
  function route(view, r) {
    var kind = JG.routeKinds[r[7]];
    var line = L.polyline(r[0], {pane: 'jgRoutes', color: kind[1], weight: r[2], dashArray: kind[2], opacity: 0.9,
                                 className: 'jg-route route-' + r[6]});
    if (!L.Browser.touch) { line.bindTooltip(r[4]); }
    return onClickPopup(view, line, function () { return r[5]; });
  }
  function eventGlyph(t) {
    return '<i class="fa fa-' + t[0] + '" style="color:' + t[1] + '" aria-hidden="true"></i>';
  }
  function eventMarker(view, e, popups) {
    var t = JG.eventTypes[e[1]];
    var m = L.marker([e[2], e[3]], {pane: 'jgEvents', keyboard: false, title: ''});
    m.jgType = t;
    m.jgOffset = null;
    if (!L.Browser.touch) { m.bindTooltip(t[2]); }
    return onClickPopup(view, m, function () { return popups[e[4]]; });
  }
  // Event icons sit beside where they happened, never on a place: each takes the first spot on rings
  // around its point that covers no place marker and no icon already set (pixels: redone at every zoom).
  // On a phone both are a finger's size (44 px, WCAG 2.5.5): an icon's hit area and a finger's reach around a
  // place never overlap, so a tap on the town opens the town and a tap on its event opens the event.
  var RINGS = [22, 44, 66, 88, 110, 132], ANGLES = 8, ICON_R = 12, PLACE_R = 12, FINGER_R = 22;
  function placeEvents(view) {
    var map = view.map, taken = [], phone = isPhone();
    var iconR = phone ? FINGER_R : ICON_R, placeR = phone ? FINGER_R : PLACE_R;
    view.markers.forEach(function (m) { taken.push([map.latLngToLayerPoint(m.getLatLng()), placeR]); });
    view.eventMarkers.forEach(function (m) {
      var p = map.latLngToLayerPoint(m.getLatLng()), best = null, roomiest = null, room = -Infinity;
      for (var r = 0; r < RINGS.length && !best; r++) {
        for (var a = 0; a < ANGLES && !best; a++) {
          var angle = -Math.PI / 2 + 2 * Math.PI * a / ANGLES;
          var c = L.point(p.x + RINGS[r] * Math.cos(angle), p.y + RINGS[r] * Math.sin(angle));
          var clear = Math.min.apply(null, taken.map(function (t) { return t[0].distanceTo(c) - t[1] - iconR; }));
          if (clear >= 0) { best = c; } else if (clear > room) { room = clear; roomiest = c; }
        }
      }
      best = best || roomiest;  // no free spot: the one that covers least
      taken.push([best, iconR]);
      var dx = Math.round(best.x - p.x), dy = Math.round(best.y - p.y);
      if (m.jgOffset && m.jgOffset[0] === dx && m.jgOffset[1] === dy) { return; }
      m.jgOffset = [dx, dy];
      m.setIcon(L.divIcon({html: '<div class="jg-event-icon">' + eventGlyph(m.jgType) + '</div>', iconSize: [22, 22],
                           iconAnchor: [11 - dx, 11 - dy], className: 'jg-event jg-event-' + m.jgType[3]}));
      if (m.getTooltip()) { m.getTooltip().options.offset = [dx, dy]; }
    });
  }
  function earlierMarker(view, e, popups) {
    return onClickPopup(view, L.circleMarker([e[2], e[3]], {pane: 'jgEarlier', radius: 4, color: '#666666', weight: 1,
      fillColor: '#999999', fillOpacity: 0.4, className: 'jg-earlier-event'}), function () { return popups[e[4]]; });
  }
  function halo(i, state) {
    var r = (state ? JG.styles[state[2]].radius : 5) + 7;
    var at = [JG.coords[i][1], JG.coords[i][0]], look = JG.meta.changed;
    // A dark ring on a white casing (style.CHANGED_MARK, CHANGED_CASING): at least 3:1 on the land and every fill,
    // where the yellow ring it replaces vanished into a light green for colour-blind readers.
    return L.layerGroup([
      L.circleMarker(at, {pane: 'jgPlaces', radius: r, color: look.casing, weight: 7, opacity: 1, fill: false,
                          interactive: false, className: 'jg-changed-casing'}),
      L.circleMarker(at, {pane: 'jgPlaces', radius: r, color: look.mark, weight: 3.5, opacity: 1, fill: false,
                          interactive: false, className: 'jg-changed changed-' + JG.ids[i]})]);
  }
  // The ground: Natural Earth land and lakes in a pane below the tiles (what the reader sees offline, hidden by
  // the tiles online); its lines (rivers, borders, roads, the dataset's own) and towns in the jgLines pane, over
  // the zone fills, so a river that defines a battle is never washed out by a side's colour.
  // Each kind of ground line in its style.LINE_STYLES look (sent with the tables as ground.styles).
  var RIVER_CASING_PX = 3;
  function drawContext(view) {
    var map = view.map, pane = map.createPane('jgContext'), g = JG.ground;
    pane.style.zIndex = 150;
    if (JG.context.length) {
      L.polygon(JG.context, {pane: 'jgContext', interactive: false, color: '#8c8378', weight: 1.2, fillColor: JG.meta.land,
                             fillOpacity: 1, className: 'jg-context'}).addTo(map);
    }
    g.lakes.forEach(function (lake) {
      L.polygon(lake, {pane: 'jgContext', interactive: false, stroke: false, fillColor: '#c6dcec', fillOpacity: 1,
                       className: 'jg-context-lake'}).addTo(map);
    });
    g.lines.forEach(function (l) {  // rivers on a white casing: the blue reads over any side's fill, a blue one too
      if (l[0] !== 'river') { return; }
      L.polyline(l[1], {pane: 'jgLines', interactive: false, color: '#ffffff', opacity: 0.85,
                        weight: g.styles.river.weight + RIVER_CASING_PX, className: 'jg-context-casing'}).addTo(map);
    });
    g.lines.forEach(function (l) {
      L.polyline(l[1], L.extend({pane: 'jgLines', interactive: false, className: 'jg-context-' + l[0]}, g.styles[l[0]])).addTo(map);
    });
    view.contextTowns = g.towns.map(function (t) {
      L.circleMarker([t[0], t[1]], {pane: 'jgLines', interactive: false, radius: 2.5, weight: 1, color: '#555555',
                                    fillColor: '#ffffff', fillOpacity: 1, className: 'jg-context-town'}).addTo(map);
      return t;
    });
  }

  // ---- labels: most important first; each tries the four sides of its place, then farther out with a
  // leader line, and otherwise waits for a closer zoom. Markers, event icons, panels and the screen's edge are obstacles.
  var CANDIDATES = [];
  [9, 38, 62].forEach(function (d) {
    CANDIDATES.push(['right', [d, 0], d], ['left', [-d, 0], d], ['top', [0, -d], d], ['bottom', [0, d], d]);
  });
  var TOWN_RANK = 10;  // the context's towns come after every place of the battle
  // Labels join the map only while they may show (in view, within the budget): a war's thousands of places
  // would otherwise each cost a tooltip and a layout at every redraw.
  var LABEL_TRIES = 250;
  function makeLabels(view) {
    view.labelTips = [];
    function add(latlng, text, cls, i, rank) {
      var tip = L.tooltip({permanent: true, direction: 'right', offset: [9, 0], interactive: false, pane: 'jgLabels',
                           className: cls}).setLatLng(latlng).setContent(text);
      view.labelTips.push({tip: tip, i: i, rank: rank, latlng: L.latLng(latlng)});
    }
    for (var i = 0; i < JG.ids.length; i++) {
      if (JG.ranks[i] > 8) { continue; }
      add([JG.coords[i][1], JG.coords[i][0]], (JG.doubt[i] ? '≈ ' : '') + JG.names[i],
          'jg-label label-' + JG.ids[i] + (JG.doubt[i] ? ' jg-label-inferred' : ''), i, JG.ranks[i]);
    }
    view.contextTowns.forEach(function (t, k) { add([t[0], t[1]], t[2], 'jg-context-label', -1 - k, TOWN_RANK); });
    (JG.ground.countries || []).forEach(function (c, k) {  // named at the opening zoom, after the battle's places
      add([c[0], c[1]], c[2], 'jg-context-label jg-country-label', -1000 - k, TOWN_RANK - 0.5);
    });
    (JG.ground.named || []).forEach(function (c, k) {  // the dataset's own rivers, roads and named features
      add([c[0], c[1]], c[2], 'jg-context-label jg-named-label', -2000 - k, TOWN_RANK - 0.7);
    });
  }
  function overlaps(a, b) { return a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top; }
  function inside(r, box) { return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom; }
  // Where Leaflet will put a tooltip of size [w, h] anchored at container point p (its _setPosition), on screen.
  function tipRect(p, size, c, screen) {
    // Leaflet's stylesheet adds a 6 px margin on the tooltip's side (.leaflet-tooltip-right {margin-left: 6px}, ...).
    // size: [offsetWidth, offsetHeight] (what Leaflet places by, halves rounded), [width, height] as drawn.
    var w = size[0], h = size[1], sub = {right: [-6, Math.round(h / 2)], left: [w + 6, Math.round(h / 2)],
                                         top: [Math.round(w / 2), h + 6], bottom: [Math.round(w / 2), -6]}[c[0]];
    var left = screen.left + p.x - sub[0] + c[1][0], top = screen.top + p.y - sub[1] + c[1][1];
    return {left: left, top: top, right: left + size[2], bottom: top + size[3]};
  }
  // Labels are measured once (one layout for all) and placed by arithmetic, then each written once: a label
  // tried at twelve spots costs no layout per spot, which at a war's scale took seconds a day.
  function declutter(view) {
    if (!view.map.hasLayer(view.layers.labels)) { return; }
    var changed = view.changedToday || {}, map = view.map;
    var obstacles = [], screen = map.getContainer().getBoundingClientRect();
    if (view.layers.places._map) {  // the place markers, by arithmetic: a war's thousands cost no layout
      view.markers.forEach(function (m) {
        var p = map.latLngToContainerPoint(m.getLatLng()), r = m.getRadius() + (m.options.weight || 0) / 2 - 1;
        var x = screen.left + p.x, y = screen.top + p.y;
        if (x + r > 0 && y + r > 0 && x - r < window.innerWidth && y - r < window.innerHeight) {
          obstacles.push({left: x - r, right: x + r, top: y - r, bottom: y + r});
        }
      });
    }
    document.querySelectorAll('.jg-event, .jg-context-town').forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (r.right > 0 && r.bottom > 0 && r.left < window.innerWidth && r.top < window.innerHeight) {
        obstacles.push({left: r.left + 1, right: r.right - 1, top: r.top + 1, bottom: r.bottom - 1});
      }
    });
    var panels = view.furniture.rects();
    var order = view.labelTips.slice().sort(function (a, b) {
      var ra = changed[a.i] ? -1 : a.rank, rb = changed[b.i] ? -1 : b.rank;
      return ra - rb || Math.abs(a.i) - Math.abs(b.i);
    });
    var zoomedOut = map.getZoom() < view.fitZoom - 0.75;  // zoomed out: only cities, towns and the day's changes
    var bounds = map.getBounds(), tries = 0, group = view.layers.labels, wanted = [];
    order.forEach(function (l) {
      var want = bounds.contains(l.latlng) && tries < LABEL_TRIES
        && !(zoomedOut && l.rank > 1 && l.rank <= 8 && !changed[l.i]);
      if (!want) { if (group.hasLayer(l.tip)) { group.removeLayer(l.tip); } return; }
      tries += 1;
      if (!group.hasLayer(l.tip)) { group.addLayer(l.tip); }
      if (l.tip.getElement()) { wanted.push(l); }
    });
    wanted.forEach(function (l) {
      if (!l.size) {
        var e = l.tip.getElement(), b = e.getBoundingClientRect();
        l.size = [e.offsetWidth, e.offsetHeight, b.width, b.height];
      }
    });
    wanted.forEach(function (l) {
      var e = l.tip.getElement(), p = map.latLngToContainerPoint(l.latlng), placed = null;
      for (var k = 0; k < CANDIDATES.length && !placed; k++) {
        var c = CANDIDATES[k];
        if (c[2] > 9 && l.rank > 3 && !changed[l.i]) { break; }  // leader lines only for the labels that matter most
        var r = tipRect(p, l.size, c, screen);
        if (inside(r, screen) && !obstacles.some(function (o) { return overlaps(r, o); })
            && !panels.some(function (q) { return overlaps(r, q); })) {
          placed = c;
          obstacles.push(r);
        }
      }
      e.className = e.className.replace(/ ?leaflet-tooltip-(right|left|top|bottom)| ?jg-leader(-\w+)?/g, '');
      if (placed) {
        l.tip.options.direction = placed[0];
        l.tip.options.offset = placed[1];
        l.tip.update();
        if (placed[2] > 9) { e.className += ' jg-leader jg-leader-' + placed[0]; e.style.setProperty('--jg-leader', (placed[2] - 4) + 'px'); }
      }
      e.style.visibility = placed ? 'visible' : 'hidden';
    });
  }

  // ---- the panels: title strip, day summary, legend ----
  function swatch(svg) { return '<svg class="jg-sym" width="28" height="18" viewBox="0 0 28 18" aria-hidden="true">' + svg + '</svg>'; }
  function dot(fill, stroke, width, dash, opacity) {
    return '<circle cx="14" cy="9" r="6" fill="' + fill + '" fill-opacity="' + (opacity || 0.9) + '" stroke="' + stroke
      + '" stroke-width="' + width + '"' + (dash ? ' stroke-dasharray="' + dash + '"' : '') + '/>';
  }
  function line(color, width, dash) {
    return '<line x1="2" y1="9" x2="26" y2="9" stroke="' + color + '" stroke-width="' + width + '"'
      + (dash ? ' stroke-dasharray="' + dash + '"' : '') + '/>';
  }
  function row(symbol, text) { return '<div class="jg-key">' + swatch(symbol) + '<span>' + text + '</span></div>'; }
  function legendHtml(view, n) {
    var L0 = JG.legend, grey = '#9a9a9a', out = ['<h3>Control at the end of the day</h3>'];
    // Sections past the first fold (a summary each), so the legend's head stays in sight without scrolling.
    var opened = false;
    function section(title) {
      out.push((opened ? '</details>' : '') + '<details class="jg-legend-part"><summary>' + title + '</summary>');
      opened = true;
    }
    L0.sides.forEach(function (s) { out.push(row(dot(s[1], '#222', 1.5), s[0])); });
    out.push(row('<circle cx="14" cy="9" r="4" fill="' + L0.unknown + '" stroke="#555" stroke-width="1"/>', 'no control recorded'));
    out.push(row(dot(grey, '#222', 1.5), 'held'));
    out.push(row(dot(grey, '#444', 3, '4 3'), 'contested (dashed ring: the challenger\'s colour)'));
    out.push(row(dot(grey, '#444', 4.5), 'besieged (thick ring: the besieger\'s colour)'));
    out.push(row(dot(grey, '#222', 1.5) + '<circle cx="14" cy="9" r="2.4" fill="#ffffff"/>',
                 'white centre: inferred by us, or date known only within a range'));
    out.push(row('<text x="0" y="13" font-size="10" font-style="italic">≈A</text><circle cx="22" cy="9" r="5" fill="none" stroke="#444" stroke-dasharray="2 2"/>',
                 'position inferred (its radius of doubt shows when opened)'));
    out.push(row(dot('none', JG.meta.changed.casing, 6) + dot('none', JG.meta.changed.mark, 3), 'state changed this day'));
    section('Estimated zones and front lines (derived, not observed)');
    out.push(row('<rect x="3" y="3" width="22" height="12" fill="' + grey + '" fill-opacity="0.45" stroke="' + grey + '"/>',
                 'zone held, from reported control (solid)'));
    out.push(row('<rect x="3" y="3" width="22" height="12" fill="url(#jg-hatch-legend)" stroke="#777" stroke-dasharray="5 4"/>',
                 'zone held, inferred or possibly changed unreported (hatched in the side\'s colour)'));
    out.push(row('<rect x="3" y="3" width="22" height="12" fill="url(#jg-siege-legend)" stroke="#444" stroke-width="2" stroke-dasharray="5 4"/>',
                 'contested or besieged zone: the holder\'s colour, hatched and ringed in the challenger\'s'));
    out.push(row(line('#5a5a5a', 2.5, '8 5'), 'front line (estimated: dashed, lighter than observed marks)'));
    out.push(row('<rect x="3" y="3" width="22" height="12" fill="#9a9a9a" fill-opacity="0.45" filter="url(#jg-soft)"/>',
                 'zones blur at their edges: their reach is estimated'));
    var kinds = {};
    view.routesShown.forEach(function (r) { kinds[r[7]] = Math.max(kinds[r[7]] || 0, r[2]); });
    var kindRows = Object.keys(kinds).map(function (k) { var kd = JG.routeKinds[k]; return row(line(kd[1], kinds[k], kd[2]), kd[0]); });
    if (kindRows.length) { section('Routes'); out.push(kindRows.join('')); }
    var types = {};
    view.eventsToday.forEach(function (e) { types[e[1]] = true; });
    var typeRows = Object.keys(types).map(function (t) {
      var ty = JG.eventTypes[t];
      return '<div class="jg-key"><span class="jg-event-icon jg-key-icon">' + eventGlyph(ty) + '</span><span>' + ty[2] + '</span></div>';
    });
    section('Events');
    out.push(typeRows.join(''));
    out.push(row('<circle cx="14" cy="9" r="4" fill="#999" fill-opacity="0.4" stroke="#666" stroke-width="1"/>',
                 'an earlier event (layer off at first)'));
    return out.join('') + '</details>';
  }
  function summaryHtml(view, n) {
    var shifts = view.part.shifts.filter(function (s) { return s[0] === n; });
    function link(s) { return '<a href="#" class="jg-goto" data-place="' + s[1] + '">' + s[3] + '</a>'; }
    var hands = shifts.filter(function (s) { return s[2] === 1; }).map(link);
    var status = shifts.filter(function (s) { return s[2] !== 1; }).map(link);
    var happened = view.eventsToday.map(function (e) { return e[5]; });
    var totals = '';
    view.part.totals.forEach(function (t) { if (t[0] <= n) { totals = t[1]; } });
    return '<h3>Changed hands</h3>' + list(hands, 'none')
      + (status.length ? '<h3>Other changes of status</h3>' + list(status, '') : '')
      + '<h3>What happened</h3>' + list(happened, 'none reported')
      + '<h3>Killed to date</h3><div class="jg-note">sum of dated incidents; rival figures as low–high</div>'
      + (totals || '<ul><li>none</li></ul>');
  }

  // The map's text description (its alt text): the headline, then who holds how many places.
  function describe(view, n, line) {
    var held = {}, total = 0, words = document.createElement('div');
    var t = told(view, n);
    if (t && t.length > 2) {  // a battle's days: the build's whole description
      words.innerHTML = t[2];  // our tables' escaped HTML, read back as plain text
      return words.textContent;
    }
    view.markers.forEach(function (m) {
      var c = m.jgState ? JG.styles[m.jgState[2]].controller : null;
      if (c) { held[c] = (held[c] || 0) + 1; total += 1; }
    });
    var sides = Object.keys(held).sort(function (a, b) { return held[b] - held[a]; }).map(function (c) {
      return (JG.sideLabels[c] || c) + ' ' + held[c];
    });
    var text = line + '. Places held at the end of the day: ' + (sides.join(', ') || 'none recorded') + ' (of '
      + JG.ids.length + ').' + (view.eventsToday.length ? ' Events this day: ' + view.eventsToday.length + '.' : '');
    words.innerHTML = text;  // our tables' escaped HTML, read back as plain text
    return words.textContent;
  }

  function buildChrome(view, opts) {
    var body = view.map.getContainer().parentNode;
    var head = el('header', 'jg-head');
    var title = el('div', 'jg-title');
    title.appendChild(el('span', 'jg-name', JG.meta.name));
    var nav = el('span', 'jg-nav');
    if (opts.mode === 'animated') {
      nav.appendChild(el('span', 'jg-date-text'));
    } else {
      var prev = el('button', 'jg-prev', '‹<span class="jg-wide"> previous</span>');
      var next = el('button', 'jg-next', '<span class="jg-wide">next </span>›');
      prev.type = next.type = 'button';
      prev.title = 'previous day (←)';
      next.title = 'next day (→)';
      var pick = el('input', 'jg-date');
      pick.type = 'date';
      pick.min = iso(0);
      pick.max = iso(JG.meta.days - 1);
      // The browser writes a date input in its locale's order (04/25/2015 in en-US, 25/04/2015 elsewhere): the
      // reader sees the day in words instead, with the native input laid over them, so a click, a tap or the
      // keyboard still opens and edits it with the browser's own picker.
      var when = el('label', 'jg-when');
      var words = el('span', 'jg-date-words');
      words.setAttribute('aria-hidden', 'true');
      when.appendChild(words);
      when.appendChild(pick);
      when.title = 'choose a day';
      pick.addEventListener('click', function () {
        try { if (pick.showPicker) { pick.showPicker(); } } catch (ignored) { /* not from this gesture */ }
      });
      prev.onclick = function () { view.go(view.day - 1, false, true); };
      next.onclick = function () { view.go(view.day + 1, false, true); };
      pick.onchange = function () { var d = dayOf(pick.value); if (d !== null && d !== view.day) { view.go(d, false, true); } };
      nav.appendChild(prev); nav.appendChild(when); nav.appendChild(next);
      view.controls = {prev: prev, next: next, pick: pick, words: words};
    }
    title.appendChild(nav);
    head.appendChild(title);
    head.appendChild(el('div', 'jg-headline'));
    // The source line: one line; a tap (or Enter) unfolds it whole.
    var source = el('div', 'jg-source', 'Source: ' + JG.meta.source + ' <span class="jg-estimated"></span>');
    source.tabIndex = 0;
    source.setAttribute('role', 'button');
    source.setAttribute('aria-expanded', 'false');
    source.title = 'the whole source line';
    function unfold(e) {
      if (e.target.tagName === 'A' || (e.type === 'keydown' && e.key !== 'Enter')) { return; }
      var open = source.classList.toggle('jg-open');
      source.setAttribute('aria-expanded', String(open));
      setTimeout(function () { declutter(view); }, 0);
    }
    source.addEventListener('click', unfold);
    source.addEventListener('keydown', unfold);
    if (opts.index) {
      var back = el('a', 'jg-index', 'index');
      back.href = opts.index;
      source.appendChild(document.createTextNode(' '));
      source.appendChild(back);
    }
    head.appendChild(source);
    body.appendChild(head);
    var panel = el('aside', 'jg-panel jg-sheet');
    panel.innerHTML = '<details class="jg-day"><summary>The day</summary><div class="jg-day-body"></div></details>'
      + '<details class="jg-legend"><summary>Legend</summary><div class="jg-legend-body"></div></details>';
    if (!isPhone()) { panel.querySelectorAll('details').forEach(function (d) { d.open = true; }); }
    // A phone's bottom sheet, opened or closed, re-fits the map above it.
    panel.addEventListener('toggle', function (e) {
      setTimeout(function () {
        view.sheetHeight();
        if (isPhone() && e.target.parentNode === panel) {
          if (e.target.open) { view.map.closePopup(); }
          view.fit(false);
        }
        declutter(view);
      }, 0);
    }, true);
    panel.addEventListener('click', function (e) {  // a listed change: fly to its place and open it
      var a = e.target.closest && e.target.closest('a.jg-goto');
      if (!a) { return; }
      e.preventDefault();
      view.openPlace(+a.getAttribute('data-place'));
    });
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    body.appendChild(panel);
    view.head = head;
    view.panel = panel;
  }

  function furniture(view) {
    function rect(e) { return e ? e.getBoundingClientRect() : {left: 0, right: 0, top: 0, bottom: 0, width: 0, height: 0}; }
    return {
      top: function () { return rect(view.head).bottom; },
      left: function () { return isPhone() ? 0 : rect(view.panel).right; },
      bottom: function () { return isPhone() ? window.innerHeight - rect(view.panel).top : (view.slider ? window.innerHeight - rect(view.slider).top : 0); },
      rects: function () {
        var out = [view.head, view.panel, view.slider].filter(Boolean).map(rect);
        document.querySelectorAll('.leaflet-control').forEach(function (c) { out.push(rect(c)); });
        return out;
      }
    };
  }

  // ---- the slider of the animated page: ticks that scale from days to years, eventful days marked ----
  function tickPlan(days) {
    if (days <= 62) { return {tick: 'day', label: 'week'}; }
    if (days <= 400) { return {tick: 'week', label: 'month'}; }
    if (days <= 1500) { return {tick: 'month', label: 'quarter'}; }
    return {tick: 'month', label: 'year'};
  }
  function isStart(unit, n) {
    var d = new Date(t0() + n * DAY_MS);
    if (unit === 'day') { return true; }
    if (unit === 'week') { return n % 7 === 0; }
    if (unit === 'month') { return d.getUTCDate() === 1; }
    if (unit === 'quarter') { return d.getUTCDate() === 1 && d.getUTCMonth() % 3 === 0; }
    return d.getUTCDate() === 1 && d.getUTCMonth() === 0;
  }
  function labelText(unit, n) {
    var d = iso(n);
    var months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    var m = months[+d.slice(5, 7) - 1];
    if (unit === 'year') { return d.slice(0, 4); }
    if (unit === 'month' || unit === 'quarter') { return m + (d.slice(5, 7) === '01' || n === 0 ? ' ' + d.slice(0, 4) : ''); }
    return +d.slice(8, 10) + ' ' + m;
  }
  function drawTicks(view) {
    var days = JG.meta.days, last = Math.max(days - 1, 1), plan = tickPlan(days), track = view.slider.querySelector('.jg-track');
    var width = Math.max(track.clientWidth - 16, 50), gap = 1000 * 62 / width;  // labels at least 62 px apart
    var marks = [], small = [], ticks = [], labels = [], eventful = {}, changed = {}, next = 0;
    JG.eventDays.forEach(function (d) { eventful[d] = true; });
    JG.changeDays.forEach(function (d) { changed[d] = true; });
    for (var n = 0; n < days; n++) {
      var x = n / last * 1000, xs = x.toFixed(1);
      if (changed[n]) { marks.push('M' + xs + ' 0v8'); } else if (eventful[n]) { small.push('M' + xs + ' 3v5'); }
      if (isStart(plan.tick, n) && 1000 / width * 3 < 1000 / last * (plan.tick === 'day' ? 1 : 7)) { ticks.push('M' + xs + ' 10v4'); }
      if (isStart(plan.label, n) && x >= next) {
        labels.push('<span style="left:' + (x / 10).toFixed(2) + '%">' + labelText(plan.label, n) + '</span>');
        next = x + gap;
      }
    }
    track.querySelector('.jg-ticks').innerHTML = '<path class="jg-tick" d="' + ticks.join('') + '"/><path class="jg-small" d="'
      + small.join('') + '"/><path class="jg-mark" d="' + marks.join('') + '"/>';
    track.querySelector('.jg-tick-labels').innerHTML = labels.join('');
  }
  // Play speed by the period's length: a battle a day at a time, a campaign a week, a war a month, a step
  // every STEP_MS: about a minute for a battle of 120 days, two for a war of eleven years.
  function playPlan(days) {
    if (days <= 120) { return {unit: 'day', ms: 500, text: '2 days a second'}; }
    if (days <= 1100) { return {unit: 'week', ms: 500, text: '2 weeks a second'}; }
    return {unit: 'month', ms: 1000, text: 'a month a second'};
  }
  function stepFrom(unit, n) {
    if (unit === 'day') { return n + 1; }
    if (unit === 'week') { return n + 7; }
    var d = new Date(t0() + n * DAY_MS);
    var next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, Math.min(d.getUTCDate(), 28));
    return Math.round((next - t0()) / DAY_MS);
  }
  function buildSlider(view) {
    var days = JG.meta.days;
    var bar = el('div', 'jg-slider');
    var play = el('button', 'jg-play', '▶');
    play.type = 'button';
    play.setAttribute('aria-label', 'play');
    var track = el('div', 'jg-track', '<svg class="jg-ticks" viewBox="0 0 1000 14" preserveAspectRatio="none" aria-hidden="true"></svg>'
      + '<div class="jg-tick-labels"></div>');
    var input = el('input', 'time-slider');
    input.type = 'range';
    input.min = 0;
    input.max = days - 1;
    input.step = 1;
    input.setAttribute('aria-label', 'day');
    track.insertBefore(input, track.firstChild);
    bar.appendChild(play);
    bar.appendChild(track);
    bar.appendChild(el('output', 'time-text'));
    bar.title = 'red marks: days when a place changed hands or status; grey: days with events';
    input.addEventListener('input', function () { view.go(+input.value, true); });
    var timer = null, plan = playPlan(days);
    play.title = 'play: ' + plan.text;
    play.setAttribute('aria-label', 'play, ' + plan.text);
    play.dataset.unit = plan.unit;
    play.onclick = function () {
      if (timer) { clearInterval(timer); timer = null; play.innerHTML = '▶'; return; }
      if (view.day >= days - 1) { view.go(0, true); }
      play.innerHTML = '❚❚';
      timer = setInterval(function () {
        if (view.day >= days - 1) { play.onclick(); return; }
        view.go(Math.min(stepFrom(plan.unit, view.day), days - 1), true);
      }, plan.ms);
    };
    L.DomEvent.disableClickPropagation(bar);
    L.DomEvent.disableScrollPropagation(bar);
    view.map.getContainer().parentNode.appendChild(bar);
    document.body.classList.add('jg-animated');
    view.slider = bar;
    view.sliderInput = input;
    drawTicks(view);
    window.addEventListener('resize', function () { drawTicks(view); });
  }

  // ---- one view: the layers and what they show on view.day ----
  function View(map, opts) {
    var view = this;
    this.map = map;
    this.opts = opts;
    this.routesShown = [];
    this.eventsToday = [];
    this.eventMarkers = [];
    this.furniture = furniture(this);
    PANES.forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });
    patterns();
    drawContext(this);
    this.layers = {zones: L.layerGroup(), fronts: L.layerGroup(), routes: L.layerGroup(), places: L.layerGroup(),
                   halos: L.layerGroup(), events: L.layerGroup(), earlier: L.layerGroup(), labels: L.layerGroup()};
    this.markers = JG.ids.map(function (id, i) {
      var m = makePlace(view, i).addTo(view.layers.places);
      m.jgGroup = view.layers.places;  // the white centre of an uncertain state goes in the same layer
      return m;
    });
    this.layers.halos.addTo(this.layers.places);
    ['zones', 'fronts', 'routes', 'places', 'events', 'labels'].forEach(function (k) { view.layers[k].addTo(map); });
    makeLabels(this);
    buildChrome(this, opts);
    if (opts.mode === 'animated') { buildSlider(this); }
    var overlays = {'Estimated areas of control (derived)': this.layers.zones,
                    'Estimated front lines (derived)': this.layers.fronts, 'Routes': this.layers.routes,
                    'Places': this.layers.places, 'Events of the day': this.layers.events,
                    'Earlier events': this.layers.earlier, 'Labels': this.layers.labels};
    this.layerControl = L.control.layers(null, overlays, {collapsed: true, position: 'topright'}).addTo(map);
    this.credits();
    var whole = L.control({position: 'bottomright'});
    whole.onAdd = function () {
      var b = L.DomUtil.create('button', 'jg-whole leaflet-bar');
      b.type = 'button';
      b.innerHTML = '⤢';
      b.title = 'the whole area / the day\'s action';
      b.setAttribute('aria-label', 'show the whole area');
      L.DomEvent.disableClickPropagation(b);
      b.onclick = function () {
        view.whole = !view.whole;
        b.setAttribute('aria-label', view.whole ? 'show the day\'s action' : 'show the whole area');
        view.fit(false);
      };
      return b;
    };
    whole.addTo(map);  // every period's days have their frames (maps/frame.py)
    map.on('zoomend', function () {
      if (view.drawing) { return; }  // draw() styles and places the day's marks itself, once
      if (setMarkScale(view) && view.drawn !== undefined) {
        view.markers.forEach(function (m, i) { stylePlace(m, i, m.jgState); });
      }
      placeEvents(view);
    });
    map.on('zoomend moveend overlayadd', function () { view.declutterSoon(); });
    map.on('overlayadd', function (e) { if (e.layer === view.layers.earlier) { view.go(view.day); } });
    if (map.keyboard) { map.keyboard.disable(); }
    if (map.zoomControl) { map.zoomControl.setPosition('bottomright'); }
    document.addEventListener('keydown', function (e) {
      if (/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(e.target.tagName) || e.altKey || e.ctrlKey || e.metaKey) { return; }
      if (e.key === 'ArrowLeft') { view.go(view.day - 1, false, true); e.preventDefault(); }
      if (e.key === 'ArrowRight') { view.go(view.day + 1, false, true); e.preventDefault(); }
    });
    window.addEventListener('hashchange', function () { var d = dayOf(location.hash.slice(1)); if (d !== null && d !== view.day) { view.go(d); } });
    var resized = null;
    window.addEventListener('resize', function () { clearTimeout(resized); resized = setTimeout(function () { view.fit(false); }, 150); });
  }
  // The labels are placed once a frame, however many moves and redraws asked for it in between.
  View.prototype.declutterSoon = function () {
    var view = this;
    if (this.declutterAsked) { return; }
    this.declutterAsked = true;
    requestAnimationFrame(function () { view.declutterAsked = false; declutter(view); });
  };
  View.prototype.credits = function () {
    var map = this.map, control = map.attributionControl;
    if (!control) { control = L.control.attribution().addTo(map); }
    control.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    JG.meta.credits.forEach(function (c) { control.addAttribution(c); });
    // Tiles, when the dataset or the build asks for them, are credited only once one has been drawn.
    if (JG.meta.tiles) {
      var tiles = L.tileLayer(JG.meta.tiles.url, {maxZoom: 19});
      tiles.once('tileload', function () { control.addAttribution(JG.meta.tiles.attribution); });
      tiles.addTo(map);
    }
  };
  // The phone's map controls (scale, credits, zoom) sit just above the bottom sheet, never under it.
  View.prototype.sheetHeight = function () {
    var h = isPhone() ? Math.max(0, Math.ceil(window.innerHeight - this.panel.getBoundingClientRect().top)) : 0;
    document.body.style.setProperty('--jg-sheet', h + 'px');
  };
  View.prototype.openPlace = function (i) {
    var view = this, m = this.markers[i], map = this.map;
    if (isPhone()) { this.panel.querySelectorAll('details').forEach(function (d) { d.open = false; }); }
    map.once('moveend', function () {
      L.popup(popupOptions(view)).setLatLng(m.getLatLng()).setContent(placePopup(i, m.jgState ? m.jgState[4] : -1)).openOn(map);
    });
    map.flyTo(m.getLatLng(), Math.max(map.getZoom(), this.fitZoom + 1), {duration: 0.6});
  };
  // The day's frame: its action and surroundings (maps/frame.py, written by the build for a battle), else the
  // whole theatre; view.whole asks for the theatre whatever the day.
  View.prototype.frameOf = function (n) {
    var box = JG.meta.frame;
    if (!this.whole) { (this.part.frames || []).forEach(function (f) { if (f[0] <= n) { box = f[1]; } }); }
    return box;
  };
  View.prototype.fit = function (first) {
    var f = this.furniture, map = this.map, box = this.frameOf(this.drawn);
    var topLeft = L.point(f.left() + 8, f.top() + 8), bottomRight = L.point(8, f.bottom() + 8);
    map.invalidateSize(false);
    this.fitZoom = map.getBoundsZoom(box, false, topLeft.add(bottomRight));
    // A war's thousands of marks are not animated to a new frame: each frame of the glide redraws them all.
    map.fitBounds(box, {paddingTopLeft: topLeft, paddingBottomRight: bottomRight, animate: !first && JG.ids.length <= CROWDED});
    if (setMarkScale(this) && !this.drawing) { this.markers.forEach(function (m, i) { stylePlace(m, i, m.jgState); }); }
    this.fitted = String(box);
  };
  // Shows day n once its tables (and the last week's, for the earlier events) are loaded; a later call wins.
  // push: the reader stepped to this day (buttons, keys, the date picker): the day gets its own entry in the
  // browser's history, so Back returns to the day before. The slider and the page's own moves replace it.
  View.prototype.go = function (n, fromSlider, push) {
    n = Math.max(0, Math.min(JG.meta.days - 1, n));
    var view = this, token = (this.token || 0) + 1;
    if (push && n !== this.day && history.pushState) {
      history.pushState(null, '', '#' + iso(n));
    }
    this.day = n;
    this.token = token;
    // The last week's tables only when the earlier events are shown (a layer off at first).
    var earlier = this.map.hasLayer(this.layers.earlier) ? (JG.recentDays ? n - JG.recentDays : 0) : n;
    ensure(earlier, n, function () {
      if (view.token !== token) { return; }
      view.draw(n, fromSlider);
      var next = chunkOf(n) + 1;  // the next period's tables, ahead of the reader
      if (next < JG.chunks.length && !JG.parts[next]) { ensure(JG.chunks[next][0], JG.chunks[next][0], function () {}); }
    }, function (src) {
      view.panel.querySelector('.jg-day-body').textContent = 'Could not load ' + src + ' (the tables of this day).';
    });
  };
  View.prototype.draw = function (n, fromSlider) {
    var view = this, first = this.drawn === undefined, p = part(n), states = byPlace(p);
    this.drawn = n;
    this.part = p;
    this.changedToday = {};
    p.shifts.forEach(function (s) { if (s[0] === n) { view.changedToday[s[1]] = true; } });
    ['halos', 'zones', 'fronts', 'routes', 'events', 'earlier'].forEach(function (k) { view.layers[k].clearLayers(); });
    this.markers.forEach(function (m, i) { m.jgState = stateOn(states[i], n); });
    this.routesShown = JG.routes.filter(function (r) { return r[8] < 0 || r[8] === n; });
    this.eventsToday = p.events.filter(function (e) { return e[0] === n; });
    this.show(n, fromSlider);
    // The map follows the action when the day's frame moves (a run of days with the same action keeps it); it
    // moves before the day's marks are drawn, so a war's thousands are projected once, in the new frame.
    if (first || (this.frameOf(n) + '') !== this.fitted) {
      this.drawing = true;
      try { this.fit(first); } finally { this.drawing = false; }
    }
    setMarkScale(this);
    var halos = this.layers.halos, zones = this.layers.zones, fronts = this.layers.fronts, routes = this.layers.routes;
    this.markers.forEach(function (m, i) {
      stylePlace(m, i, m.jgState);
      if (view.changedToday[i]) { halo(i, m.jgState).addTo(halos); }
    });
    p.zones.forEach(function (z) { if (z[0] <= n && n < z[1]) { zone(view, z).addTo(zones); } });
    p.fronts.forEach(function (f) { if (f[0] <= n && n < f[1]) { front(view, f).addTo(fronts); } });
    this.routesShown.forEach(function (r) { route(view, r).addTo(routes); });
    var events = this.layers.events, earlier = this.layers.earlier;
    this.eventMarkers = this.eventsToday.map(function (e) { return eventMarker(view, e, p.eventPopups); });
    placeEvents(this);
    this.eventMarkers.forEach(function (m) { m.addTo(events); });
    var from = JG.recentDays ? Math.max(0, n - JG.recentDays) : 0;
    for (var k = chunkOf(from); k <= chunkOf(n); k++) {
      if (!JG.parts[k]) { continue; }  // not loaded: the earlier events are off (see go)
      JG.parts[k].events.forEach(function (e) {
        if (from <= e[0] && e[0] < n) { earlierMarker(view, e, JG.parts[k].eventPopups).addTo(earlier); }
      });
    }
    this.declutterSoon();
  };
  View.prototype.show = function (n, fromSlider) {
    var date = iso(n);
    document.title = JG.meta.title + ', ' + date;
    this.head.querySelector('.jg-name').setAttribute('title', date);
    var estimated = this.part.shifts.some(function (s) { return s[0] === n && s[4]; });
    this.head.querySelector('.jg-estimated').textContent = 'Areas and front lines are estimated'
      + (estimated ? '; some of this day\'s changes are inferred or dated only within a range.' : '.');
    if (this.controls) {
      this.controls.pick.value = date;
      this.controls.words.textContent = dateWords(n);
      this.controls.pick.setAttribute('aria-label', 'date: ' + dateWords(n));
      this.controls.prev.disabled = n === 0;
      this.controls.next.disabled = n === JG.meta.days - 1;
    } else {
      this.head.querySelector('.jg-date-text').textContent = date;
    }
    if (this.sliderInput) {
      if (!fromSlider || +this.sliderInput.value !== n) { this.sliderInput.value = n; }
      this.slider.querySelector('.time-text').textContent = date;
    }
    this.panel.querySelector('.jg-day summary').textContent = date + (estimated ? ' (estimated)' : '');
    var line = headline(this, n);
    this.head.querySelector('.jg-headline').innerHTML = line;
    document.body.style.setProperty('--jg-head', Math.ceil(this.head.getBoundingClientRect().bottom) + 'px');
    this.sheetHeight();
    this.map.getContainer().setAttribute('aria-label', 'Map of ' + describe(this, n, line));
    this.panel.querySelector('.jg-day-body').innerHTML = summaryHtml(this, n);
    var legend = this.panel.querySelector('.jg-legend-body'), open = {};  // sections the reader opened stay open
    legend.querySelectorAll('details[open] > summary').forEach(function (e) { open[e.textContent] = true; });
    legend.innerHTML = legendHtml(this, n);
    legend.querySelectorAll('details > summary').forEach(function (e) { if (open[e.textContent]) { e.parentNode.open = true; } });
    if (history.replaceState && location.hash !== '#' + date) { history.replaceState(null, '', '#' + date); }
  };

  window.jgStart = function (map, opts) {
    var view = new View(map, opts);
    var fromHash = dayOf(location.hash.slice(1));
    view.go(fromHash !== null ? fromHash : (dayOf(opts.date) !== null ? dayOf(opts.date) : 0));
    window.jgView = view;
    return view;
  };
}());
