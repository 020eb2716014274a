import * as z from 'zod/v4/classic/external.js'; console.log(z.object({a:z.string()}).parse({a:'a'}))
