// graphrec's page: title search, similar movies, a new movie, a user's list, the catalogue map.
// Plain DOM and fetch against the same server; nothing is loaded from anywhere else.
"use strict";

const $ = (id) => document.getElementById(id);
const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04",
  "#db2777", "#4f46e5", "#059669", "#b45309", "#7c3aed", "#0f766e", "#be123c", "#65a30d",
  "#1d4ed8", "#a16207", "#6d28d9", "#047857", "#9f1239"];
const state = { map: null, chosen: null, neighbours: [], suggestions: [], active: -1 };

function showError(message) {
  const status = $("status");
  status.textContent = message;
  status.hidden = !message;
}

async function api(path, options = {}) {
  const token = $("token").value.trim();
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { ...options, headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    throw new Error(`${response.status}: ${detail || response.statusText}`);
  }
  showError("");
  return body;
}

function label(movie) {
  const year = movie.year ? ` (${movie.year})` : "";
  return movie.title.includes(`(${movie.year})`) ? movie.title : movie.title + year;
}

function movieItem(movie, { onPick, extra } = {}) {
  const li = document.createElement("li");
  const title = document.createElement("span");
  title.className = "title";
  title.textContent = movie.title;
  if (onPick) title.addEventListener("click", () => onPick(movie));
  const meta = document.createElement("span");
  meta.className = "meta";
  const parts = [(movie.genres || []).join(", ")];
  if (movie.score !== undefined) parts.push(`score ${movie.score.toFixed(3)}`);
  if (movie.team) parts.push(`team ${movie.team}`);
  if (movie.because) parts.push(`because you rated ${movie.because.title}`);
  meta.textContent = " — " + parts.filter(Boolean).join(" · ");
  li.append(title, meta);
  if (extra) li.append(extra);
  return li;
}

function fill(list, movies, options) {
  list.replaceChildren(...movies.map((m) => movieItem(m, options)));
}

// --- search and similar movies -------------------------------------------------------------
let searchTimer = null;
$("query").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(suggest, 120);
});
$("query").addEventListener("keydown", (event) => {
  const items = state.suggestions;
  if (!items.length) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    state.active = (state.active + step + items.length) % items.length;
    renderSuggestions();
  } else if (event.key === "Enter") {
    event.preventDefault();
    choose(items[Math.max(state.active, 0)]);
  }
});

async function suggest() {
  const q = $("query").value.trim();
  if (!q) { state.suggestions = []; renderSuggestions(); return; }
  try {
    const body = await api(`/movies?q=${encodeURIComponent(q)}&limit=8`);
    state.suggestions = body.results;
    state.active = -1;
    renderSuggestions();
  } catch (error) { showError(`search: ${error.message}`); }
}

function renderSuggestions() {
  const list = $("suggestions");
  list.replaceChildren(...state.suggestions.map((movie, i) => {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", String(i === state.active));
    li.textContent = label(movie);
    li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(movie); });
    return li;
  }));
}

async function choose(movie) {
  state.suggestions = [];
  renderSuggestions();
  $("query").value = movie.title;
  try {
    const body = await api(`/similar/${movie.id}?k=10`);
    state.chosen = movie.id;
    state.neighbours = body.results.map((r) => r.id);
    $("chosen").textContent = `Like ${label(body.movie)} — ${body.movie.genres.join(", ")}`;
    fill($("similar"), body.results, { onPick: choose });
    drawMap();
  } catch (error) { showError(`similar: ${error.message}`); }
}

// --- a new movie ---------------------------------------------------------------------------
$("movie-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const action = event.submitter ? event.submitter.value : "preview";
  const body = {
    title: form.title.value.trim(),
    genres: [...form.genres.selectedOptions].map((o) => o.value),
    year: form.year.value ? Number(form.year.value) : null,
    tags: form.tags.value.split(",").map((t) => t.trim()).filter(Boolean),
  };
  try {
    if (action === "register") {
      const created = await api("/items?k=10", { method: "POST", body: JSON.stringify(body) });
      $("movie-result").textContent = `Registered as movie ${created.movie.id}, its vector from ` +
        `${created.embedding_from.length} movies alike. Similar:`;
      fill($("movie-similar"), created.similar, { onPick: choose });
    } else {
      const preview = await api("/similar?k=10", { method: "POST", body: JSON.stringify(body) });
      $("movie-result").textContent = "Preview (nothing stored). Similar:";
      fill($("movie-similar"), preview.results, { onPick: choose });
    }
  } catch (error) { showError(`new movie: ${error.message}`); }
});

// --- a user's list -------------------------------------------------------------------------
$("user-form").addEventListener("submit", (event) => {
  event.preventDefault();
  showUser(Number(event.target.user.value));
});

async function showUser(user) {
  try {
    const [recs, info] = await Promise.all([
      api(`/recommend/${user}?k=10`), api(`/users/${user}`),
    ]);
    const arm = recs.interleave ? `interleaved ${recs.interleave.join(" vs ")}` :
      `ranker ${recs.ranker}` + (recs.bucket ? ` (A/B bucket ${recs.bucket})` : "");
    $("user-meta").textContent = `User ${user}: ${info.interactions} interactions ` +
      `(${info.live_interactions} live), ${arm}.`;
    fill($("recommended"), recs.results.map((r) => ({ ...r })), {
      onPick: choose,
    });
    [...$("recommended").children].forEach((li, i) => li.append(rateButton(user, recs.results[i], recs.request_id)));
    fill($("recent"), info.recent, { onPick: choose });
  } catch (error) { showError(`user ${user}: ${error.message}`); }
}

function rateButton(user, movie, requestId) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "rate 5";
  button.title = "Send a 5-star rating (needs the token)";
  button.addEventListener("click", async () => {
    try {
      await api("/feedback", {
        method: "POST",
        body: JSON.stringify([{ user, movie: movie.id, kind: "rating", rating: 5, request_id: requestId }]),
      });
      await showUser(user);
    } catch (error) { showError(`feedback: ${error.message}`); }
  });
  return button;
}

// --- the map -------------------------------------------------------------------------------
function project(map, canvas) {
  const pad = 12;
  const [minX, maxX] = [Math.min(...map.x), Math.max(...map.x)];
  const [minY, maxY] = [Math.min(...map.y), Math.max(...map.y)];
  const sx = (canvas.width - 2 * pad) / (maxX - minX || 1);
  const sy = (canvas.height - 2 * pad) / (maxY - minY || 1);
  return (i) => [pad + (map.x[i] - minX) * sx, canvas.height - pad - (map.y[i] - minY) * sy];
}

function drawMap() {
  const map = state.map;
  const canvas = $("map");
  if (!map) return;
  const context = canvas.getContext("2d");
  const at = project(map, canvas);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.globalAlpha = state.chosen === null ? 0.7 : 0.25;
  for (let i = 0; i < map.ids.length; i++) {
    const [x, y] = at(i);
    context.fillStyle = map.genre[i] >= 0 ? COLOURS[map.genre[i] % COLOURS.length] : "#999";
    context.fillRect(x - 1.5, y - 1.5, 3, 3);
  }
  context.globalAlpha = 1;
  const index = new Map(map.ids.map((id, i) => [id, i]));
  for (const id of [...state.neighbours, state.chosen]) {
    const i = index.get(id);
    if (i === undefined) continue;
    const [x, y] = at(i);
    context.beginPath();
    context.arc(x, y, id === state.chosen ? 7 : 4.5, 0, 2 * Math.PI);
    context.fillStyle = id === state.chosen ? "#111" : "#f59e0b";
    context.fill();
  }
}

$("map").addEventListener("mousemove", (event) => {
  const map = state.map;
  if (!map) return;
  const canvas = $("map");
  const rect = canvas.getBoundingClientRect();
  const mx = (event.clientX - rect.left) * (canvas.width / rect.width);
  const my = (event.clientY - rect.top) * (canvas.height / rect.height);
  const at = project(map, canvas);
  let best = -1, bestDistance = 64;
  for (let i = 0; i < map.ids.length; i++) {
    const [x, y] = at(i);
    const distance = (x - mx) ** 2 + (y - my) ** 2;
    if (distance < bestDistance) { best = i; bestDistance = distance; }
  }
  $("hover").textContent = best < 0 ? "Hover over a point to see its title." :
    `${map.titles ? map.titles[best] : map.ids[best]} — ${map.genres[map.genre[best]] || ""}`;
});

async function loadMap() {
  try {
    const map = await api("/map");
    state.map = map;
    $("version").textContent = `model ${map.model_version}`;
    $("legend").replaceChildren(...map.genres.slice(0, COLOURS.length).map((name, i) => {
      const li = document.createElement("li");
      const dot = document.createElement("span");
      dot.style.background = COLOURS[i];
      li.append(dot, name);
      return li;
    }));
    const select = document.querySelector("#movie-form select[name=genres]");
    select.replaceChildren(...map.all_genres.map((name) => new Option(name, name)));
    drawMap();
  } catch (error) { showError(`map: ${error.message}`); }
}

loadMap();
