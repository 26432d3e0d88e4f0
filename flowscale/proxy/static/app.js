// The secure front end: sign in to the backend, then call the Flowscale API paths through it
// with a short-lived token. No build step, no dependencies; the API key never reaches here.
"use strict";

const API = new URL("../", window.location.href); // the proxy's root (works under a prefix)
const FILE_KINDS = new Set(["image", "video", "audio", "file"]);
let token = null;
let workflows = [];

const $ = (id) => document.getElementById(id);

function showError(message) {
  $("error").textContent = message || "";
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (token) headers.set("Authorization", "Bearer " + token);
  const response = await fetch(new URL(path, API), { ...options, headers });
  if (!response.ok && response.status !== 204) {
    let message = response.status + " " + response.statusText;
    try {
      const body = await response.json();
      if (body && body.errors) message = typeof body.errors === "string" ? body.errors : JSON.stringify(body.errors);
    } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

async function signIn(event) {
  event.preventDefault();
  showError("");
  const user = $("user").value.trim();
  try {
    const response = await api("demo/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user }),
    });
    token = (await response.json()).data.token;
    $("whoami").textContent = "Signed in as " + user + " (token valid for 10 minutes, kept in memory only).";
    await loadWorkflows();
    $("run-section").hidden = false;
  } catch (error) {
    showError("Sign-in failed: " + error.message);
  }
}

function parseKinds(text) {
  try {
    const parsed = typeof text === "string" ? JSON.parse(text) : text;
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch (_) {
    return {};
  }
}

async function loadWorkflows() {
  const body = await (await api("api/v1/comfy/workflows")).json();
  workflows = body.data || [];
  const select = $("workflow");
  select.replaceChildren();
  for (const wf of workflows) {
    const option = document.createElement("option");
    option.value = wf.id;
    option.textContent = wf.name || wf.id;
    select.append(option);
  }
  renderInputs();
}

function renderInputs() {
  const wf = workflows.find((w) => w.id === $("workflow").value);
  const box = $("inputs");
  box.replaceChildren();
  if (!wf) return;
  $("workflow-description").textContent = wf.description || "";
  for (const [name, kind] of Object.entries(parseKinds(wf.inputs))) {
    const label = document.createElement("label");
    label.textContent = name + " (" + kind + ") ";
    let field;
    if (FILE_KINDS.has(kind)) {
      field = document.createElement("input");
      field.type = "file";
      if (kind === "image") field.accept = "image/*";
    } else if (kind === "number") {
      field = document.createElement("input");
      field.type = "number";
      field.value = "42";
    } else {
      field = document.createElement("textarea");
      field.value = "a lighthouse at dusk, oil painting";
    }
    field.name = name;
    field.dataset.kind = kind;
    field.required = true;
    label.append(field);
    box.append(label);
  }
}

function logEvent(text) {
  const item = document.createElement("li");
  item.textContent = text;
  $("events").append(item);
  $("events").scrollTop = $("events").scrollHeight;
}

function showOutput(url, filename) {
  if (!url) return;
  const figure = $("outputs");
  const img = document.createElement("img");
  img.alt = filename || "output";
  img.id = "output-image";
  img.src = url;
  const caption = document.createElement("figcaption");
  caption.textContent = filename || "";
  figure.replaceChildren(img, caption);
  $("output-section").hidden = false;
}

// Server-sent events over fetch (EventSource cannot send an Authorization header).
async function followEvents(runId) {
  let lastId = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    const headers = lastId ? { "Last-Event-ID": lastId } : {};
    const response = await api("api/v1/runs/" + encodeURIComponent(runId) + "/events", { headers });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = [];
        for (const line of frame.split("\n")) {
          if (line.startsWith("id:")) lastId = line.slice(3).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length && handleEvent(JSON.parse(data.join("\n")))) return;
      }
    }
    logEvent("(stream interrupted: resuming after event " + lastId + ")");
  }
  throw new Error("the event stream kept failing");
}

// True once the run has ended.
function handleEvent(event) {
  if (event.type === "status") {
    $("status").textContent = event.status;
    logEvent("status: " + event.status);
  } else if (event.type === "progress") {
    $("progress").max = event.max || 1;
    $("progress").value = event.value || 0;
    logEvent("progress " + event.value + "/" + event.max + " (" + (event.node_type || event.node_id) + ")");
  } else if (event.type === "output") {
    logEvent("output: " + event.filename);
    if (event.download_url && /^image\//.test(event.content_type || "image/")) {
      showOutput(event.download_url, event.filename);
    }
  } else if (event.type === "log") {
    logEvent("log: " + event.message);
  } else if (event.type === "end") {
    $("status").textContent = event.status;
    $("progress").value = $("progress").max;
    logEvent("end: " + event.status);
    return true;
  }
  return false;
}

async function run(event) {
  event.preventDefault();
  showError("");
  const workflowId = $("workflow").value;
  const form = new FormData();
  for (const field of $("inputs").querySelectorAll("[name]")) {
    if (field.type === "file") {
      if (!field.files.length) { showError("Choose a file for " + field.name); return; }
      form.append(field.name, field.files[0]);
    } else {
      form.append(field.name, field.value);
    }
  }
  $("run-button").disabled = true;
  $("events").replaceChildren();
  $("outputs").replaceChildren();
  $("output-section").hidden = true;
  $("progress").value = 0;
  try {
    const response = await api("api/v1/runs?workflow_id=" + encodeURIComponent(workflowId), {
      method: "POST",
      body: form,
    });
    const runId = (await response.json()).data.run_id;
    $("run-id").textContent = runId;
    $("status").textContent = "queued";
    $("progress-section").hidden = false;
    await followEvents(runId);
    // The run's record has every output, in case an output event was missed.
    const runBody = await (await api("api/v1/runs/" + encodeURIComponent(runId))).json();
    const files = (runBody.data.outputs || []).filter((o) => /\.(png|jpe?g|webp|gif)$/i.test(o.filename || ""));
    if (!$("output-image") && files.length) showOutput(files[0].url, files[0].filename);
    if (runBody.data.status !== "completed") showError("The run " + runBody.data.status + ": " + (runBody.data.error || ""));
  } catch (error) {
    showError("Run failed: " + error.message);
  } finally {
    $("run-button").disabled = false;
  }
}

$("signin").addEventListener("submit", signIn);
$("run").addEventListener("submit", run);
$("workflow").addEventListener("change", renderInputs);
