import { announce, h } from "../dom.js";
import { field, heading, notice, onSubmit } from "./common.js";

/** Only the UI's own hash routes are followed after signing in (no open redirect). */
function safeNext(next) {
  return next && /^#\/[^/]/.test(next) && !next.startsWith("#/signin") ? next : "#/";
}

export function render(context) {
  const errorNotice = notice();
  const username = h("input", { id: "signin-username", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "signin-password", name: "password", type: "password",
    autocomplete: "current-password", required: true });
  const form = onSubmit(h("form", { id: "signin-form", class: "card narrow" },
    field("Username", username), field("Password", password), errorNotice,
    h("button", { type: "submit" }, "Sign in")), errorNotice, context, async () => {
    await context.registry.login(username.value, password.value);
    const user = await context.registry.me();
    context.signedIn(user);
    announce(`Signed in as ${user.username}.`);
    context.navigate(safeNext(context.params.get("next")));
  });
  const expired = context.params.get("expired")
    ? h("p", { class: "notice info" }, "Your sign-in expired. Sign in again to go on where you were: "
      + "what you typed is kept.") : null;
  return { title: "Sign in", content: [heading("Sign in"), expired, form,
    h("p", {}, "Without signing in you can see the ", h("a", { href: "#/health" }, "system health dashboard"), ".")] };
}
