import { randomBytes, scryptSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Role, roles } from '../../lib/api-routes.js';

export const passwordOf = (role: Role) => `local-${role}-password`;

/** One user per group in the runtime's users file, with known passwords, as an operator would list them. */
export const writeLocalUsers = (dataDir: string): void => {
  const users = roles.map((role) => {
    const salt = randomBytes(16);
    return {
      username: role,
      email: `${role}@example.com`,
      groups: [role],
      passwordHash: `scrypt:${salt.toString('base64url')}:${scryptSync(passwordOf(role), salt, 32).toString('base64url')}`,
    };
  });
  writeFileSync(join(dataDir, 'users.json'), JSON.stringify({ users }));
};
