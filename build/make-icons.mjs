// Writes the app icons (resources/icons/*.png) without any image library: a tiny PNG encoder
// (RGBA, filter 0, zlib) over a drawn picture — a rounded tile with a row of "tokens", the
// first two (the soft prompt) highlighted. Run: node build/make-icons.mjs
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function roundedRectCoverage(px, py, x0, y0, x1, y1, r) {
  // 4x4 supersampling for smooth edges.
  let hits = 0;
  for (let sy = 0; sy < 4; sy++)
    for (let sx = 0; sx < 4; sx++) {
      const x = px + (sx + 0.5) / 4;
      const y = py + (sy + 0.5) / 4;
      if (x < x0 || x > x1 || y < y0 || y > y1) continue;
      const cx = Math.min(Math.max(x, x0 + r), x1 - r);
      const cy = Math.min(Math.max(y, y0 + r), y1 - r);
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) hits++;
    }
  return hits / 16;
}

export function drawIcon(size) {
  const px = new Uint8Array(size * size * 4);
  const s = size / 512;
  const shapes = [{ box: [32, 32, 480, 480], r: 96, color: [0x2b, 0x3a, 0x8c] }];
  const tokens = 4;
  const tw = 72, gap = 20, x0 = (512 - (tokens * tw + (tokens - 1) * gap)) / 2, y0 = 220;
  for (let i = 0; i < tokens; i++) {
    const x = x0 + i * (tw + gap);
    shapes.push({ box: [x, y0, x + tw, y0 + tw], r: 16, color: i < 2 ? [0xff, 0xb3, 0x2e] : [0xe8, 0xec, 0xff] });
  }
  shapes.push({ box: [x0, 330, x0 + 2 * tw + gap, 346], r: 8, color: [0xff, 0xb3, 0x2e] });
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const sh of shapes) {
        const cov = roundedRectCoverage(x, y, sh.box[0] * s, sh.box[1] * s, sh.box[2] * s, sh.box[3] * s, sh.r * s);
        if (cov === 0) continue;
        const na = cov + a * (1 - cov);
        r = (sh.color[0] * cov + r * a * (1 - cov)) / na;
        g = (sh.color[1] * cov + g * a * (1 - cov)) / na;
        b = (sh.color[2] * cov + b * a * (1 - cov)) / na;
        a = na;
      }
      const o = (y * size + x) * 4;
      px[o] = Math.round(r);
      px[o + 1] = Math.round(g);
      px[o + 2] = Math.round(b);
      px[o + 3] = Math.round(a * 255);
    }
  return px;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'icons');
  mkdirSync(join(out, 'png'), { recursive: true });
  writeFileSync(join(out, 'icon.png'), encodePng(1024, 1024, drawIcon(1024)));
  for (const n of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(join(out, 'png', `${n}x${n}.png`), encodePng(n, n, drawIcon(n)));
  console.log(`icons written to ${out}`);
}
