// Chromium's virtual WebAuthn authenticator, driven over CDP: a platform passkey
// provider ("internal" transport, resident keys, user verification) with no real device.
import { CDPSession, Page } from "@playwright/test";

export type VirtualAuthenticatorOptions = {
  /** false: every user-verification attempt fails, which the browser reports as NotAllowedError. */
  isUserVerified?: boolean;
};

export class VirtualAuthenticator {
  private constructor(
    private readonly cdp: CDPSession,
    readonly id: string,
  ) {}

  /** Adds an authenticator to the page's browser tab; it survives navigations in that tab. */
  static async attach(page: Page, { isUserVerified = true }: VirtualAuthenticatorOptions = {}) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified,
        // Answers "touch your authenticator" by itself, so no prompt waits for a person.
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  async credentialCount(): Promise<number> {
    const { credentials } = await this.cdp.send("WebAuthn.getCredentials", { authenticatorId: this.id });
    return credentials.length;
  }

  async setUserVerified(isUserVerified: boolean) {
    await this.cdp.send("WebAuthn.setUserVerified", { authenticatorId: this.id, isUserVerified });
  }

  /** Off: nothing answers a WebAuthn request until it is on again (a person who hasn't
   *  touched the device yet), so a page's passkey autofill waits instead of signing in. */
  async setAutomaticPresence(enabled: boolean) {
    await this.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId: this.id, enabled });
  }

  /** Takes the authenticator (and its passkeys) away, as if the device were gone. */
  async remove() {
    await this.cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: this.id });
  }
}
