// Draws Mailferry's app icon (an envelope riding two waves on a blue rounded square) and writes it as
// assets/icon.png, 1024x1024 RGBA: the size electron-builder recommends as the one source it converts to
// .icns (macOS), .ico (Windows) and the Linux icon set. No image library: shapes are signed-distance
// functions, anti-aliased by 4x4 supersampling, and the PNG is written with node:zlib.
//   node scripts/make-icon.mjs [out.png] [size]
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const out = resolve(process.argv[2] ?? 'assets/icon.png');
const SIZE = Number(process.argv[3] ?? 1024);
const S = SIZE / 1024; // the design is in 1024 units
const SUB = 4;

function roundedRect(x, y, x0, y0, x1, y1, r) {
  const cx = Math.max(x0 + r, Math.min(x, x1 - r));
  const cy = Math.max(y0 + r, Math.min(y, y1 - r));
  const inCore = x >= x0 + r && x <= x1 - r ? y >= y0 && y <= y1 : y >= y0 + r && y <= y1 - r && x >= x0 && x <= x1;
  return inCore || Math.hypot(x - cx, y - cy) <= r;
}

function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Within `half` of the sine y = base + amp·sin(2π(x - x0)/period) for x in [x0, x1] (round ends). */
function wave(x, y, base, x0, x1, amp, period, half) {
  if (x < x0 - half || x > x1 + half || Math.abs(y - base) > amp + half) return false;
  for (let cx = Math.max(x0, x - half); cx <= Math.min(x1, x + half); cx += 0.5) {
    const cy = base + amp * Math.sin((2 * Math.PI * (cx - x0)) / period);
    if (Math.hypot(x - cx, y - cy) <= half) return true;
  }
  return false;
}

const BG_TOP = [0x45, 0x86, 0xf5];
const BG_BOTTOM = [0x1b, 0x48, 0xb0];
const FLAP = [0x2a, 0x5f, 0xd0];
const WHITE = [0xff, 0xff, 0xff];

/** Colour and coverage of one sample point, in design units. */
function sample(x, y) {
  if (!roundedRect(x, y, 100, 100, 924, 924, 185)) return null;
  if (roundedRect(x, y, 262, 270, 762, 610, 40)) {
    const d = Math.min(segmentDistance(x, y, 300, 310, 512, 470), segmentDistance(x, y, 512, 470, 724, 310));
    return d <= 19 ? FLAP : WHITE;
  }
  if (wave(x, y, 705, 230, 794, 22, 188, 17) || wave(x, y, 785, 290, 734, 20, 148, 15)) return WHITE;
  const t = (y - 100) / 824;
  return BG_TOP.map((c, i) => Math.round(c + (BG_BOTTOM[i] - c) * t));
}

const rowBytes = SIZE * 4 + 1;
const raw = Buffer.alloc(rowBytes * SIZE);
for (let py = 0; py < SIZE; py++) {
  raw[py * rowBytes] = 0; // filter: none
  for (let px = 0; px < SIZE; px++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < SUB; sy++) {
      for (let sx = 0; sx < SUB; sx++) {
        const c = sample((px + (sx + 0.5) / SUB) / S, (py + (sy + 0.5) / SUB) / S);
        if (!c) continue;
        r += c[0]; g += c[1]; b += c[2]; a++;
      }
    }
    const o = py * rowBytes + 1 + px * 4;
    if (a > 0) {
      raw[o] = Math.round(r / a);
      raw[o + 1] = Math.round(g / a);
      raw[o + 2] = Math.round(b / a);
    }
    raw[o + 3] = Math.round((255 * a) / (SUB * SUB));
  }
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, png);
console.log(`wrote ${out} (${SIZE}x${SIZE}, ${png.length} bytes)`);
