/** Writes H.264 syntax (u(n), ue(v), se(v)) for hand-built parameter sets in tests, with emulation prevention. */
export class BitWriter {
  private readonly bits: number[] = [];

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  flag(value: boolean): this {
    return this.u(1, value ? 1 : 0);
  }

  ue(value: number): this {
    const v = value + 1;
    const len = Math.floor(Math.log2(v));
    this.u(len, 0);
    return this.u(len + 1, v);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** rbsp_trailing_bits, then the bytes with emulation_prevention_three_byte inserted (§7.4.1). */
  rbsp(): Uint8Array {
    const bits = [...this.bits, 1];
    while (bits.length % 8 !== 0) bits.push(0);
    const raw: number[] = [];
    for (let i = 0; i < bits.length; i += 8) raw.push(bits.slice(i, i + 8).reduce((a, b) => a * 2 + b, 0));
    const out: number[] = [];
    let zeros = 0;
    for (const b of raw) {
      if (zeros >= 2 && b <= 3) {
        out.push(3);
        zeros = 0;
      }
      out.push(b);
      zeros = b === 0 ? zeros + 1 : 0;
    }
    return Uint8Array.from(out);
  }
}

export interface SpsFields {
  profileIdc: number;
  constraintFlags?: number;
  levelIdc: number;
  spsId?: number;
  chromaFormatIdc?: number;
  separateColourPlane?: boolean;
  bitDepthLuma?: number;
  /** Per list (8, or 12 for 4:4:4): null = not present, else the delta_scale values to write. */
  scalingLists?: Array<number[] | null>;
  pocType?: number;
  widthMbs: number;
  heightMapUnits: number;
  frameMbsOnly?: boolean;
  crop?: [number, number, number, number];
  timing?: { numUnitsInTick: number; timeScale: number };
  sar?: number | [number, number];
  maxNumReorderFrames?: number;
  nalHrd?: boolean;
}

/** A complete SPS NAL unit (with its header byte 0x67) from fields. */
export function buildSps(f: SpsFields): Uint8Array {
  const w = new BitWriter();
  w.u(8, f.profileIdc)
    .u(8, f.constraintFlags ?? 0)
    .u(8, f.levelIdc)
    .ue(f.spsId ?? 0);
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(f.profileIdc)) {
    const chroma = f.chromaFormatIdc ?? 1;
    w.ue(chroma);
    if (chroma === 3) w.flag(f.separateColourPlane ?? false);
    w.ue((f.bitDepthLuma ?? 8) - 8)
      .ue((f.bitDepthLuma ?? 8) - 8)
      .flag(false);
    w.flag(f.scalingLists !== undefined);
    if (f.scalingLists) {
      for (const list of f.scalingLists) {
        w.flag(list !== null);
        if (list) for (const d of list) w.se(d);
      }
    }
  }
  w.ue(0); // log2_max_frame_num_minus4
  const poc = f.pocType ?? 0;
  w.ue(poc);
  if (poc === 0) w.ue(2);
  else if (poc === 1) w.flag(false).se(-2).se(1).ue(2).se(4).se(-3);
  w.ue(1)
    .flag(false)
    .ue(f.widthMbs - 1)
    .ue(f.heightMapUnits - 1);
  const frameMbsOnly = f.frameMbsOnly ?? true;
  w.flag(frameMbsOnly);
  if (!frameMbsOnly) w.flag(false);
  w.flag(true);
  w.flag(f.crop !== undefined);
  if (f.crop) for (const c of f.crop) w.ue(c);
  const vui = f.timing !== undefined || f.sar !== undefined || f.maxNumReorderFrames !== undefined || f.nalHrd;
  w.flag(!!vui);
  if (vui) {
    w.flag(f.sar !== undefined);
    if (f.sar !== undefined) {
      if (typeof f.sar === 'number') w.u(8, f.sar);
      else w.u(8, 255).u(16, f.sar[0]).u(16, f.sar[1]);
    }
    w.flag(false).flag(false).flag(false); // overscan, video signal, chroma loc
    w.flag(f.timing !== undefined);
    if (f.timing) w.u(32, f.timing.numUnitsInTick).u(32, f.timing.timeScale).flag(true);
    w.flag(!!f.nalHrd);
    if (f.nalHrd) {
      w.ue(1).u(4, 3).u(4, 4);
      for (let i = 0; i < 2; i++)
        w.ue(1000 + i)
          .ue(2000)
          .flag(false);
      w.u(5, 23).u(5, 23).u(5, 23).u(5, 24);
    }
    w.flag(false); // vcl hrd
    if (f.nalHrd) w.flag(false);
    w.flag(false); // pic_struct_present
    w.flag(f.maxNumReorderFrames !== undefined);
    if (f.maxNumReorderFrames !== undefined) w.flag(true).ue(2).ue(1).ue(16).ue(16).ue(f.maxNumReorderFrames).ue(4);
  }
  const rbsp = w.rbsp();
  const nal = new Uint8Array(1 + rbsp.byteLength);
  nal[0] = 0x67;
  nal.set(rbsp, 1);
  return nal;
}
