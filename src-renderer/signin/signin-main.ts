/**
 * The public sign-in page (signin.html): the only page the server serves without a session. Plain DOM, no
 * framework, so it stays small. On first run (GET /setup says needsAdmin) it becomes the create-admin form,
 * taking the one-time setup token from the link the server printed (`?token=…`).
 */
import { API_PREFIX } from '../../src-shared/api.js';
import type { SetupRequest, SetupStatus, SignInRequest } from '../../src-shared/api.js';
import './signin.css';

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`signin.html lacks #${id}`);
  return element as T;
}

const form = byId<HTMLFormElement>('signin-form');
const errorLine = byId<HTMLParagraphElement>('signin-error');
const submit = byId<HTMLButtonElement>('signin-submit');
const field = (name: string): HTMLInputElement => {
  const input = form.elements.namedItem(name);
  if (!(input instanceof HTMLInputElement)) throw new Error(`signin.html lacks input ${name}`);
  return input;
};
let creatingAdmin = false;

function showError(message: string | null): void {
  errorLine.hidden = message === null;
  errorLine.textContent = message ?? '';
}

async function messageOf(response: Response, fallback: string): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const error = (body as { error: unknown }).error;
      if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
        return error.message;
      }
    }
  } catch {
    // Fall through to the plain words.
  }
  return fallback;
}

async function post(path: string, body: SignInRequest | SetupRequest): Promise<Response> {
  return fetch(API_PREFIX + path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
}

function goToApp(): void {
  window.location.assign('/');
}

async function signIn(username: string, password: string): Promise<void> {
  const response = await post('/session', { username, password });
  if (response.ok) return goToApp();
  const fallback =
    response.status === 429
      ? 'Too many attempts. Wait a minute, then try again.'
      : response.status === 401
        ? 'That user name and password do not match.'
        : `Sign-in failed (the server answered ${response.status}).`;
  showError(response.status === 401 ? fallback : await messageOf(response, fallback));
}

async function createAdmin(token: string, username: string, password: string, confirm: string): Promise<void> {
  if (password.length < 8) return showError('Choose a password of at least 8 characters.');
  if (password !== confirm) return showError('The two passwords are not the same.');
  if (token === '') return showError('Enter the setup code the server printed (the token= part of its setup link).');
  const response = await post('/setup', { token, username, password });
  if (!response.ok) {
    return showError(await messageOf(response, `Creating the administrator failed (${response.status}).`));
  }
  await signIn(username, password);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  showError(null);
  const username = field('username').value.trim();
  const password = field('password').value;
  if (username === '' || password === '') {
    showError('Enter your user name and password.');
    return;
  }
  submit.disabled = true;
  const done = creatingAdmin
    ? createAdmin(field('token').value.trim(), username, password, field('confirm').value)
    : signIn(username, password);
  done
    .catch((err: unknown) =>
      showError(`The server could not be reached (${err instanceof Error ? err.message : err}).`),
    )
    .finally(() => {
      submit.disabled = false;
    });
});

async function start(): Promise<void> {
  // One public request (no 401 in the console): already signed in (a client certificate, or a session
  // cookie) goes straight to the app; no administrator yet turns the form into the create-administrator one.
  const setup = await fetch(`${API_PREFIX}/setup`, { credentials: 'same-origin' }).catch(() => null);
  const status = setup?.ok ? ((await setup.json().catch(() => null)) as SetupStatus | null) : null;
  if (status?.signedIn === true) return goToApp();
  if (status?.needsAdmin !== true) return;
  creatingAdmin = true;
  const params = new URLSearchParams(window.location.search || window.location.hash.replace(/^#/, ''));
  const token = params.get('token') ?? '';
  field('token').value = token;
  byId('token-row').hidden = token !== '';
  byId('confirm-row').hidden = false;
  field('password').autocomplete = 'new-password';
  if (field('username').value === '') field('username').value = 'admin';
  byId('intro').textContent =
    'Welcome. Create the administrator who can sign in from any device on your network, and change the settings.';
  submit.textContent = 'Create administrator';
}

void start();
