// The single-page shell: hash routes (so the same files work from S3 and from `./run serve`), the signed-in
// user, the navigation, and one place where an expired sign-in sends the user to sign in again.

import { RegistryClient } from "./api/client.js";
import { config } from "./config.js";
import { announce, h } from "./dom.js";
import { describeError } from "./messages.js";
import * as account from "./views/account.js";
import * as admin from "./views/admin.js";
import * as artifact from "./views/artifact.js";
import * as browse from "./views/browse.js";
import * as health from "./views/health.js";
import * as ingest from "./views/ingest.js";
import * as signin from "./views/signin.js";
import * as upload from "./views/upload.js";

/** The token survives a reload of the tab (sessionStorage), never the browser; the password is never stored. */
const sessionStore = {
  load: () => JSON.parse(sessionStorage.getItem("registry.session") ?? "null"),
  save: (session) => (session ? sessionStorage.setItem("registry.session", JSON.stringify(session))
    : sessionStorage.removeItem("registry.session")),
};

const registry = new RegistryClient({ baseUrl: config.apiUrl, sessionStore });

// name -> view; `open` views work signed out, `admin` ones are listed only for admins.
const ROUTES = {
  "": { view: browse, label: "Browse" },
  artifact: { view: artifact },
  ingest: { view: ingest, label: "Ingest" },
  upload: { view: upload, label: "Upload" },
  health: { view: health, label: "Dashboard", open: true },
  account: { view: account, label: "Account" },
  admin: { view: admin, label: "Admin", admin: true },
  signin: { view: signin, open: true },
};

/** @type {import("./api/client.js").User | null} */
let me = null;

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name = "", ...rest] = path.split("/");
  return { name, arg: rest.map(decodeURIComponent).join("/"), params: new URLSearchParams(query) };
}

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

/** Called by views with any error: an expired sign-in goes to the sign-in page (keeping the user's drafts). */
function handleError(error, notice) {
  if (error?.code === "AUTHENTICATION_FAILED" && parseHash().name !== "signin") {
    registry.logout();
    me = null;
    navigate(`#/signin?next=${encodeURIComponent(location.hash)}&expired=1`);
    return;
  }
  notice.textContent = describeError(error);
  notice.hidden = false;
}

async function currentUser() {
  if (me || !registry.session) return me;
  try {
    me = await registry.me();
  } catch (error) {
    if (error.code !== "AUTHENTICATION_FAILED") throw error;
    registry.logout();
  }
  return me;
}

function renderChrome(routeName) {
  const nav = document.getElementById("nav");
  nav.replaceChildren(...Object.entries(ROUTES)
    .filter(([, route]) => route.label && (me || route.open) && (!route.admin || me?.isAdmin))
    .map(([name, route]) => h("li", {}, h("a", { href: `#/${name}`,
      "aria-current": name === routeName ? "page" : null }, route.label))));
  const account = document.getElementById("account");
  account.replaceChildren(me
    ? h("p", {}, "Signed in as ", h("strong", {}, me.username), " ",
      h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"))
    : h("p", {}, h("a", { href: "#/signin", "aria-current": routeName === "signin" ? "page" : null }, "Sign in")));
}

function signOut() {
  registry.logout();
  me = null;
  announce("Signed out.");
  navigate("#/signin");
}

let renderCount = 0;

async function render() {
  const { name, arg, params } = parseHash();
  const route = ROUTES[name] ?? ROUTES[""];
  const main = document.getElementById("main");
  const thisRender = ++renderCount;
  try {
    await currentUser();
  } catch (error) {
    main.replaceChildren(h("h1", {}, "The registry is not reachable"), h("p", { role: "alert" }, describeError(error)));
    return;
  }
  if (!me && !route.open) {
    navigate(`#/signin?next=${encodeURIComponent(location.hash || "#/")}`);
    return;
  }
  renderChrome(name in ROUTES ? name : "");
  const context = {
    registry, me, arg, params, navigate, handleError,
    signedIn: (user) => { me = user; },
    isCurrent: () => thisRender === renderCount,
  };
  const { title, content } = route.view.render(context);
  document.title = `${title} · Trustworthy Model Registry`;
  main.replaceChildren(...content);
  if (renderCount > 1) main.querySelector("h1")?.focus();
}

window.addEventListener("hashchange", render);
render();
