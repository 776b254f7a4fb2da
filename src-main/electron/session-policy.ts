/**
 * Wires web-policy.ts and certificate-trust.ts into Electron: on each session the window uses (requests,
 * headers, permissions, certificates, downloads) and on every web contents created (navigation, new windows,
 * <webview>). The rules themselves are plain functions, tested without a display.
 */
import type { App, Session, WebContents } from 'electron';
import { acceptCertificateError, verifyCertificate, type TrustedServerCertificate } from './certificate-trust.js';
import {
  isAppOrigin,
  mayGrantPermission,
  mayNavigate,
  mayOpenWindow,
  mayRequest,
  withContentSecurityPolicy,
} from './web-policy.js';
import { childWindowOptions } from './window-options.js';

/** What the rules need to know; filled in once the core is up (until then, nothing is allowed). */
export interface AppTrust {
  appOrigin: string;
  certificate: TrustedServerCertificate | null;
  preloadPath: string;
  log(line: string): void;
}

export function lockDownSession(session: Session, trust: AppTrust): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const granted = mayGrantPermission(permission, details.requestingUrl);
    if (!granted) trust.log(`desktop: denied the ${permission} permission to ${details.requestingUrl}`);
    callback(granted);
  });
  session.setPermissionCheckHandler((_contents, permission, origin) => mayGrantPermission(permission, origin));
  session.setDevicePermissionHandler(() => false);
  session.setCertificateVerifyProc((request, callback) => callback(verifyCertificate(request, trust.certificate)));
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = mayRequest(details.url, trust.appOrigin);
    if (!allowed) trust.log(`desktop: blocked a request to ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppOrigin(details.url, trust.appOrigin)) return callback({});
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
  session.on('will-download', (event, item) => {
    if (!isAppOrigin(item.getURL(), trust.appOrigin)) event.preventDefault();
  });
}

/** Navigation, redirects, new windows and <webview> for every web contents the app creates. */
export function lockDownWebContents(app: App, trust: AppTrust): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    const guard = (event: { preventDefault(): void; url: string }): void => {
      if (mayNavigate(event.url, trust.appOrigin)) return;
      event.preventDefault();
      trust.log(`desktop: blocked navigation to ${event.url.slice(0, 200)}`);
    };
    contents.on('will-navigate', guard);
    contents.on('will-frame-navigate', guard);
    contents.on('will-redirect', guard);
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (mayOpenWindow(url, trust.appOrigin))
        return { action: 'allow', overrideBrowserWindowOptions: childWindowOptions(trust.preloadPath) };
      trust.log(`desktop: blocked a new window for ${url.slice(0, 200)}`);
      return { action: 'deny' };
    });
  });
  app.on('certificate-error', (event, _contents, url, _error, certificate, callback) => {
    if (acceptCertificateError(url, certificate, trust.certificate, trust.appOrigin)) {
      event.preventDefault();
      callback(true);
    } else callback(false);
  });
}
