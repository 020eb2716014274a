import mjml2html from 'mjml'; console.log(await mjml2html('<mjml></mjml>'))
