/**
 * Light or dark: follows the system until the user picks one with the toggle, and remembers the
 * pick in localStorage (public/theme-init.js applies it before the first paint).
 */
import { ref } from "vue";

const KEY = "fastworker-theme";
const media = window.matchMedia("(prefers-color-scheme: dark)");

function saved(): "light" | "dark" | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : null;
  } catch {
    return null; // storage blocked (privacy settings): behave as if nothing was saved
  }
}

export const isDark = ref(saved() === "dark" || (saved() === null && media.matches));

function apply(): void {
  document.documentElement.classList.toggle("dark", isDark.value);
}

media.addEventListener("change", (event) => {
  if (saved() !== null) return;
  isDark.value = event.matches;
  apply();
});

export function toggleTheme(): void {
  isDark.value = !isDark.value;
  try {
    localStorage.setItem(KEY, isDark.value ? "dark" : "light");
  } catch (error) {
    console.warn("could not remember the theme choice", error);
  }
  apply();
}

apply();
