/** Dedupe key: one contact per address, whatever case or surrounding space it arrived with. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** `jane.doe@example.com` → `j***@example.com`, so logs identify a contact without holding its address. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
};
