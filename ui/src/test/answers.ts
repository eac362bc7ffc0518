// Fake back-end answers that component tests share.

/** An answer that fails as the back end refuses: with `code`, `reason` and `message` (the reason unless given). */
export function refusal(code: string, reason: string | null, message: string = reason ?? code) {
  return () => {
    throw { code, message, reason };
  };
}
