// The page frame every view renders into: title, navigation, a little CSS, no JavaScript needed.
/** @jsxImportSource @kitajs/html */
import type { Children } from "@kitajs/html";

const CSS = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#232f3e;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#fff;text-decoration:none}header strong{font-size:1.1rem}
main{max-width:960px;margin:1.5rem auto;padding:0 1.5rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #dde1e6;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#eef1f5}code,pre{background:#eef1f5;padding:.1rem .3rem;border-radius:3px;font-size:.9em}
pre{padding:.6rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
textarea{width:100%;min-height:8rem;font:inherit}input[type=text]{min-width:18rem}
form{background:#fff;border:1px solid #dde1e6;padding:1rem;margin:1rem 0}
button{padding:.35rem 1rem;cursor:pointer}.danger{background:#b42318;color:#fff;border:0}
.error{border-left:4px solid #b42318;background:#fff;padding:.6rem 1rem}.ok{border-left:4px solid #067647;background:#fff;padding:.6rem 1rem}.warn{border-left:4px solid #b54708;background:#fff;padding:.6rem 1rem}
label{display:block;margin:.4rem 0}
`;

export function Layout({ title, children }: { title: string; children?: Children }) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${title} - SQS Accelerator`}</title>
          <style>{CSS}</style>
        </head>
        <body>
          <header>
            <strong>
              <a href="/">SQS Accelerator</a>
            </strong>
            <a href="/queues">Queues</a>
            <a href="/stats">Stats</a>
            <a href="/health">Health</a>
          </header>
          <main>{children}</main>
        </body>
      </html>
    </>
  );
}
