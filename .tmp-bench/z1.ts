import {z} from 'zod'; console.log(z.object({a:z.string()}).parse({a:'a'}))
