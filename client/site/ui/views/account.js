import { h } from "../dom.js";
import { field, heading, notice, onSubmit, status } from "./common.js";

export function render(context) {
  const errorNotice = notice();
  const result = status();
  const current = h("input", { id: "current-password", name: "currentPassword", type: "password", required: true,
    autocomplete: "current-password" });
  const next = h("input", { id: "new-password", name: "newPassword", type: "password", required: true,
    autocomplete: "new-password" });
  const form = onSubmit(h("form", { id: "password-form", class: "card" },
    field("Current password", current),
    field("New password", next, "At least 12 characters, hard to guess, not containing your username. Your other "
      + "sessions end; this one continues with the new password."),
    h("button", { type: "submit" }, "Change my password")), errorNotice, context, async () => {
    await context.registry.changePassword({ currentPassword: current.value, newPassword: next.value });
    current.value = "";
    next.value = "";
    result.textContent = "Your password was changed.";
  });
  return { title: "Account", content: [heading("Your account"),
    h("p", {}, `Signed in as ${context.me?.username ?? ""}.`),
    h("section", { "aria-labelledby": "password-heading" }, h("h2", { id: "password-heading" }, "Change your password"),
      form, errorNotice, result)] };
}
