import { requireEnv } from '../../config/env.js';
import { adminRouter } from '../../http/admin-router.js';
import { templateRoutes } from './routes.js';

/**
 * The template routes in a function of their own: publishing and previewing compile MJML, whose
 * 3 MB bundle no other function (the admin function included) should load at every cold start.
 */
export const handler = adminRouter(templateRoutes(requireEnv('TABLE_NAME')));
