import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BUILT_IN_MODEL_IDS,
  LinkError,
  MAX_LINK_CHARS,
  hashToSpec,
  specFromLinkOrJson,
  specToHash,
} from '../../src/engine/experiment/link';
import { DEFAULT_SPEC, SpecError, parseExperimentSpec, type ExperimentSpec } from '../../src/engine/experiment/spec';
import { LORA_TARGETS } from '../../src/engine/methods/lora';
import { DEFAULT_CONTINUAL } from '../../src/engine/continual/settings';
import { prng as rng } from './prng';

/** DEFAULT_SPEC with every method option filled in: what a link without keys reads as. */
const DEFAULTS = parseExperimentSpec(DEFAULT_SPEC);

const DEFAULT_HASH =
  'v=1&model=tiny-gpt2&task=spam&methods=full,prompt,lora&steps=60&batch=8&seq=64&seed=42&opt=adamw' +
  '&lr.model=0.0003&lr.head=0.002&lr.prompt=0.03&lr.lora=0.002&lr.lowrank=0.001&lr.nola=0.1&lr.apt=0.01&beta1=0.9&beta2=0.999&eps=1e-8&wd=0&clip=1' +
  '&sched=linear&warmup=5&eval.every=20&log=1' +
  '&prompt.length=20&prompt.init=vocab&lora.r=8&lora.alpha=16&lora.dropout=0&lora.targets=q,v';

// C0, DEL and C1 controls, plus the bidi overrides that could reorder a notice on screen.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function spec(partial: Record<string, unknown>): ExperimentSpec {
  return parseExperimentSpec(partial);
}

/** Reads a hash and checks what every read must satisfy, whatever the input. */
function read(hash: string) {
  const result = hashToSpec(hash);
  expect(() => parseExperimentSpec(result.spec)).not.toThrow();
  for (const notice of result.notices) {
    expect(typeof notice).toBe('string');
    expect(notice).not.toMatch(CONTROL);
  }
  return result;
}


function randomSpec(next: () => number): ExperimentSpec {
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  // Odd floats on purpose: many significant digits and small exponents.
  const lr = () => Math.max(1e-12, next() * 10 ** -int(0, 9));
  const names = (['full', 'head', 'prompt', 'lora'] as const).filter(() => next() < 0.6);
  const shuffled = [...(names.length > 0 ? names : (['lora'] as const))].sort(() => next() - 0.5);
  const targets = [...LORA_TARGETS].filter(() => next() < 0.5).sort(() => next() - 0.5);
  return spec({
    task: pick(['spam', 'sotu-party', 'lm-spam']),
    methods: shuffled.map((name) => {
      if (name === 'prompt') return { name, options: { length: int(1, 512), init: pick(['vocab', 'random']) } };
      if (name === 'lora') {
        return { name, options: { r: int(1, 1024), alpha: next() * 1e4 || 1, dropout: next() * 0.9, targets: targets.length > 0 ? targets : ['k'] } };
      }
      return { name, options: {} };
    }),
    optimizer: {
      kind: pick(['adam', 'adamw']),
      lr: { model: lr(), head: lr(), prompt: lr(), lora: lr() },
      beta1: next() * 0.999,
      beta2: next() * 0.999,
      epsilon: lr(),
      weightDecay: next(),
      clipNorm: next() < 0.3 ? null : next() * 100 || 1,
    },
    schedule: { kind: pick(['constant', 'linear', 'cosine']), warmupSteps: int(0, 100_000) },
    steps: int(1, 1_000_000),
    batchSize: int(1, 512),
    seqLen: int(2, 4096),
    seed: int(0, 0xffffffff),
    eval: { every: int(0, 5000), maxBatches: next() < 0.2 ? ('auto' as const) : int(1, 10_000) },
    logEvery: int(1, 100),
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('specToHash: readable, complete, stable', () => {
  it('writes the default spec as the documented link, every field in order', () => {
    const hash = specToHash(DEFAULT_SPEC);
    expect(hash).toBe(DEFAULT_HASH);
    expect(hash).toContain('methods=full,prompt,lora');
    expect(hash).toContain('lora.r=8');
    expect(hash).toContain('lora.targets=q,v');
  });

  it('does not depend on the key order of the spec object', () => {
    const a = spec({ steps: 3, optimizer: { beta1: 0.5, clipNorm: null }, methods: [{ name: 'lora', options: { r: 2, alpha: 4 } }] });
    const b = {
      logEvery: a.logEvery,
      methods: [{ options: { targets: ['q', 'v'], dropout: 0, alpha: 4, r: 2 }, name: 'lora' as const }],
      eval: { maxBatches: a.eval.maxBatches, every: a.eval.every },
      seed: a.seed,
      seqLen: a.seqLen,
      batchSize: a.batchSize,
      steps: a.steps,
      schedule: { warmupSteps: a.schedule.warmupSteps, kind: a.schedule.kind },
      optimizer: { ...a.optimizer, lr: { apt: a.optimizer.lr.apt, nola: a.optimizer.lr.nola, lowrank: a.optimizer.lr.lowrank, lora: a.optimizer.lr.lora, prompt: a.optimizer.lr.prompt, head: a.optimizer.lr.head, model: a.optimizer.lr.model } },
      task: a.task,
      model: a.model,
      version: a.version,
      continual: { ...a.continual },
      memory: { checkpoint: a.memory.checkpoint },
    } as ExperimentSpec;
    expect(specToHash(b)).toBe(specToHash(a));
  });

  it('carries activation checkpointing as ckpt=blocks, and leaves it out while it is off', () => {
    expect(specToHash(DEFAULT_SPEC)).not.toContain('ckpt');
    const on = specToHash(spec({ memory: { checkpoint: 'blocks' } }));
    expect(on).toContain('&ckpt=blocks&');
    expect(hashToSpec(on).spec.memory.checkpoint).toBe('blocks');
    const bad = hashToSpec(on.replace('ckpt=blocks', 'ckpt=layers'));
    expect(bad.spec.memory.checkpoint).toBe('none');
    expect(bad.notices.join(' ')).toContain('ckpt');
  });

  it('writes null clipping as clip=none, schedules and enums by name, small floats exactly', () => {
    const hash = specToHash(spec({ optimizer: { clipNorm: null, lr: { lora: 3e-5 }, weightDecay: 0.1 + 0.2 }, schedule: { kind: 'cosine' } }));
    expect(hash).toContain('&clip=none&');
    expect(hash).toContain('&sched=cosine&');
    expect(hash).toContain('&lr.lora=0.00003&');
    expect(hash).toContain('&wd=0.30000000000000004&');
  });

  it('escapes what would break the link structure and keeps commas between list items', () => {
    const hash = specToHash(spec({ model: 'https://example.com/a&b=c#d', task: 'x,y' }));
    expect(hash).toContain('model=https%3A%2F%2Fexample.com%2Fa%26b%3Dc%23d&');
    expect(hash).toContain('task=x%2Cy&');
    expect(hash.split('&').every((part) => part.split('=').length === 2)).toBe(true);
  });

  it('refuses a spec that lists a method twice: a link carries one run per method', () => {
    const twice = spec({ methods: [{ name: 'lora', options: { r: 2 } }, { name: 'lora', options: { r: 4 } }] });
    expect(() => specToHash(twice)).toThrow(/one run per method/);
  });

  it('refuses an invalid spec (it validates first)', () => {
    expect(() => specToHash({ ...DEFAULTS, steps: -1 })).toThrow(SpecError);
  });
});

describe('round trip: hashToSpec(specToHash(s)).spec equals s', () => {
  const varied: Array<[string, ExperimentSpec]> = [
    ['the default spec', DEFAULTS],
    [
      'all methods, lm task, no clipping, cosine, odd floats',
      spec({
        task: 'lm-spam',
        methods: [
          { name: 'lora', options: { r: 3, alpha: 0.5, dropout: 0.1 + 0.2, targets: ['mlp_out', 'q', 'k', 'v', 'attn_out', 'mlp_in'] } },
          { name: 'head' },
          { name: 'prompt', options: { length: 1, init: 'random' } },
          { name: 'full' },
        ],
        optimizer: {
          kind: 'adam',
          lr: { model: 3e-5, head: 0.1 + 0.2, prompt: 1 / 3, lora: 5e-324 },
          beta1: 0.1 + 0.2,
          beta2: 0.9999999,
          epsilon: 1e-12,
          weightDecay: 0.1 + 0.2,
          clipNorm: null,
        },
        schedule: { kind: 'cosine', warmupSteps: 0 },
        seed: 0xffffffff,
        eval: { every: 0, maxBatches: 10_000 },
        logEvery: 7,
      }),
    ],
    ['one method at the limits', spec({ task: 'sotu-party', methods: [{ name: 'head' }], steps: 1_000_000, batchSize: 512, seqLen: 4096, seed: 0 })],
    [
      'constant schedule, tiny clip, big lr',
      spec({ methods: [{ name: 'lora', options: { dropout: 0.9, alpha: 1e4, r: 1024 } }], schedule: { kind: 'constant', warmupSteps: 100_000 }, optimizer: { clipNorm: 1e-3, lr: { model: 10 } } }),
    ],
  ];
  for (const [title, s] of varied) {
    it(title, () => {
      const { spec: back, notices } = read(specToHash(s));
      expect(notices).toEqual([]);
      expect(back).toEqual(s);
      expect(specToHash(back)).toBe(specToHash(s));
    });
  }

  it('the default spec reads back as DEFAULT_SPEC (method options filled in)', () => {
    const back = hashToSpec(`#${specToHash(DEFAULT_SPEC)}`).spec;
    expect({ ...back, methods: undefined }).toEqual({ ...DEFAULT_SPEC, methods: undefined });
    expect(back.methods.map((m) => m.name)).toEqual(DEFAULT_SPEC.methods.map((m) => m.name));
  });

  it('300 random specs', () => {
    const next = rng(20240601);
    for (let i = 0; i < 300; i++) {
      const s = randomSpec(next);
      const { spec: back, notices } = hashToSpec(specToHash(s));
      expect(notices, specToHash(s)).toEqual([]);
      expect(back, specToHash(s)).toEqual(s);
    }
  });
});

describe('hashToSpec: missing and empty', () => {
  it('an empty hash is the default spec with no notices', () => {
    for (const hash of ['', '#', '&', '#&&']) {
      const { spec: s, notices } = read(hash);
      expect(s).toEqual(DEFAULTS);
      expect(notices).toEqual([]);
    }
  });

  it('missing keys take their defaults silently, the others are kept', () => {
    const { spec: s, notices } = read('#steps=7&lora.r=2');
    expect(notices).toEqual([]);
    expect(s).toEqual({ ...DEFAULTS, steps: 7, methods: DEFAULTS.methods.map((m) => (m.name === 'lora' ? { ...m, options: { ...m.options, r: 2 } } : m)) });
  });

  it('methods without option keys get their own defaults', () => {
    const { spec: s, notices } = read('methods=head,lora');
    expect(notices).toEqual([]);
    expect(s.methods).toEqual([
      { name: 'head', options: {} },
      { name: 'lora', options: { r: 8, alpha: 16, dropout: 0, targets: ['q', 'v'] } },
    ]);
  });
});

describe('hashToSpec: hostile and broken input', () => {
  const badNumbers: Array<[string, string, string]> = [
    ['steps=abc', 'steps', 'abc'],
    ['steps=-5', 'steps', '-5'],
    ['steps=', 'steps', ''],
    ['steps=0x10', 'steps', '0x10'],
    ['steps=Infinity', 'steps', 'Infinity'],
    ['lr.lora=1e999', 'lr.lora', '1e999'],
    ['lr.lora=0', 'lr.lora', '0'],
    ['batch=1.5', 'batch', '1.5'],
    ['seed=4294967296', 'seed', '4294967296'],
    ['beta2=1', 'beta2', '1'],
    ['clip=off', 'clip', 'off'],
    ['opt=sgd', 'opt', 'sgd'],
    ['sched=step', 'sched', 'step'],
    ['v=2', 'v', '2'],
    ['task=mnist', 'task', 'mnist'],
    ['lora.r=0', 'lora.r', '0'],
    ['lora.r=2.5', 'lora.r', '2.5'],
    ['lora.targets=q,wte', 'lora.targets', 'q,wte'],
    ['lora.targets=q,q', 'lora.targets', 'q,q'],
    ['lora.targets=', 'lora.targets', ''],
    ['prompt.init=zeros', 'prompt.init', 'zeros'],
    ['prompt.length=abc', 'prompt.length', 'abc'],
  ];
  for (const [hash, key, value] of badNumbers) {
    it(`${hash}: a notice names the key and the value, the default is used`, () => {
      const { spec: s, notices } = read(hash);
      expect(s).toEqual(DEFAULTS);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain(key);
      expect(notices[0]).toContain(`"${value}"`);
    });
  }

  it('a bad value does not disturb the good ones next to it', () => {
    const { spec: s, notices } = read('steps=abc&batch=4&lora.r=x&lora.alpha=2');
    expect(s.steps).toBe(DEFAULTS.steps);
    expect(s.batchSize).toBe(4);
    expect(s.methods.find((m) => m.name === 'lora')?.options).toEqual({ r: 8, alpha: 2, dropout: 0, targets: ['q', 'v'] });
    expect(notices).toHaveLength(2);
  });

  it('an unknown method in methods is dropped with a notice; the rest stay', () => {
    const { spec: s, notices } = read('methods=lora,adapter');
    expect(s.methods.map((m) => m.name)).toEqual(['lora']);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/unknown method "adapter"/);
  });

  it('methods naming no known method fall back to the default methods', () => {
    const { spec: s, notices } = read('methods=adapter,ia3');
    expect(s.methods).toEqual(DEFAULTS.methods);
    expect(notices.join('\n')).toMatch(/adapter/);
    expect(notices.join('\n')).toMatch(/ia3/);
  });

  it('a method listed twice runs once, with a notice', () => {
    const { spec: s, notices } = read('methods=lora,full,lora');
    expect(s.methods.map((m) => m.name)).toEqual(['lora', 'full']);
    expect(notices).toEqual([expect.stringMatching(/"lora".*one run per method/)]);
  });

  it('an unknown key is ignored with a notice', () => {
    const { spec: s, notices } = read('stpes=10&lora.rank=4&full.lr=1');
    expect(s).toEqual(DEFAULTS);
    expect([...notices].sort()).toEqual(['unknown key "full.lr" ignored', 'unknown key "lora.rank" ignored', 'unknown key "stpes" ignored']);
  });

  it('options of a method not in methods are ignored with a notice', () => {
    const { spec: s, notices } = read('methods=lora&prompt.length=5&prompt.init=random');
    expect(s.methods).toEqual([DEFAULTS.methods[2]]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^ignored: method prompt not in methods/);
  });

  it('markup as a value is only text: defaults kept, the notice has no control characters', () => {
    const script = encodeURIComponent('<script>alert(1)</script>');
    const { spec: s, notices } = read(`task=${script}&steps=${script}&opt=<script>alert(1)</script>`);
    expect(s).toEqual(DEFAULTS);
    expect(notices).toHaveLength(3);
    // Notices are plain text for a text node; they are not HTML-escaped (that would be double
    // escaping), but they carry only the visible characters of the value.
    for (const notice of notices) expect(notice).toContain('<script>alert(1)</script>');
  });

  it('control and bidi characters are stripped from notices and long values truncated', () => {
    const evil = encodeURIComponent(`\u001b[31mred\u0000\u202eevil\n${'x'.repeat(500)}`);
    const { spec: s, notices } = read(`task=${evil}&${evil}=1`);
    expect(s).toEqual(DEFAULTS);
    expect(notices).toHaveLength(2);
    for (const notice of notices) {
      expect(notice).not.toMatch(CONTROL);
      expect(notice).toContain('[31mredevil');
      expect(notice).toContain('…');
      expect(notice).not.toContain('x'.repeat(41));
      expect(notice.length).toBeLessThan(200);
    }
  });

  it('a link over the limit is refused with LinkError, before any parsing', () => {
    const junk = `steps=${'%'.repeat(100 * 1024)}`;
    expect(() => hashToSpec(junk)).toThrow(LinkError);
    expect(() => hashToSpec(`#${junk}`)).toThrow(`link is ${junk.length} characters; the limit is 4096`);
    const justOver = `x=${'a'.repeat(MAX_LINK_CHARS - 1)}`;
    expect(() => hashToSpec(justOver)).toThrow(LinkError);
  });

  it('a link at the limit is read (the # does not count)', () => {
    const atLimit = `x=${'a'.repeat(MAX_LINK_CHARS - 2)}`;
    expect(atLimit).toHaveLength(MAX_LINK_CHARS);
    const { spec: s, notices } = read(`#${atLimit}`);
    expect(s).toEqual(DEFAULTS);
    expect(notices).toEqual(['unknown key "x" ignored']);
  });

  it('__proto__ and constructor keys do not pollute Object.prototype', () => {
    const hash =
      '__proto__=x&constructor=y&__proto__.polluted=1&constructor.prototype.polluted=1&toString=1' +
      '&lora.__proto__=1&lora.constructor=1&lora.hasOwnProperty=1&prompt.__proto__.polluted=1&hasOwnProperty=1';
    const { spec: s, notices } = read(hash);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('x');
    expect(s).toEqual(DEFAULTS);
    for (const m of s.methods) {
      expect(Object.getPrototypeOf(m.options)).toBe(Object.prototype);
      expect(Object.keys(m.options)).not.toContain('__proto__');
    }
    expect(notices).toContain('unknown key "__proto__" ignored');
    expect(notices).toContain('unknown key "constructor" ignored');
    expect(notices).toContain('unknown key "lora.__proto__" ignored');
    expect(notices).toContain('unknown key "lora.constructor" ignored');
    expect(notices).toHaveLength(10);
  });

  it('a duplicate key: the last one wins, with a notice', () => {
    const { spec: s, notices } = read('steps=10&batch=2&steps=20');
    expect(s.steps).toBe(20);
    expect(s.batchSize).toBe(2);
    expect(notices).toEqual(['key "steps" appears 2 times; the last value is used']);
  });

  it('malformed percent-encoding in a value, a key or a list item becomes a notice', () => {
    const { spec: s, notices } = read('steps=%E0%A4%A&%E0%A4%A=1&methods=lora,%ZZ&lora.targets=q,%E0');
    expect(s.steps).toBe(DEFAULTS.steps);
    expect(s.methods).toEqual([DEFAULTS.methods[2]]);
    expect(notices).toHaveLength(4);
    expect(notices.join('\n')).toMatch(/steps "%E0%A4%A" has malformed percent-encoding/);
    expect(notices.join('\n')).toMatch(/key "%E0%A4%A" has malformed percent-encoding/);
    expect(notices.join('\n')).toMatch(/methods: "%ZZ" has malformed/);
    expect(notices.join('\n')).toMatch(/lora\.targets.*malformed/);
  });

  it('a key without a value is ignored with a notice', () => {
    const { spec: s, notices } = read('steps&batch=3');
    expect(s).toEqual({ ...DEFAULTS, batchSize: 3 });
    expect(notices).toEqual(['key "steps" has no value; ignored']);
  });

  it('a link may name a hub repo or an http(s) folder; reading it fetches nothing', () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    expect(read(`model=${encodeURIComponent('https://models.example/gpt2/')}&steps=5`)).toEqual({ spec: { ...DEFAULTS, model: 'https://models.example/gpt2', steps: 5 }, notices: [] });
    expect(read('model=openai-community%2Fgpt2').spec.model).toBe('openai-community/gpt2');
    expect(read('model=distilgpt2@main').spec.model).toBe('distilgpt2');
    expect(read('model=gpt2@v1.0').spec.model).toBe('gpt2@v1.0');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('a model that is neither a built-in id, a hub repo id nor an http(s) URL is refused with the reason', () => {
    for (const [value, reason] of [
      ['javascript:alert(1)', /only http\(s\) URLs/],
      ['file:///etc/passwd', /only http\(s\) URLs/],
      ['gpt 2', /valid Hugging Face repo id/],
      ['../../etc', /at most one/],
      ['a/b/c', /at most one "\/"/],
      ['https://user:pw@example.com/m', /credentials/],
    ] as const) {
      const { spec: s, notices } = read(`model=${encodeURIComponent(value)}&steps=5`);
      expect(s).toEqual({ ...DEFAULTS, steps: 5 });
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(reason);
      expect(notices[0]).toContain(`${DEFAULTS.model} is used`);
    }
  });

  it('very many problems: the notices are capped with a count of the rest', () => {
    const hash = Array.from({ length: 100 }, (_, i) => `k${i}=1`).join('&');
    const { notices } = read(hash);
    expect(notices).toHaveLength(20);
    expect(notices[19]).toBe('… and 81 more notices');
  });

  it('random junk below the limit never throws and always gives a valid spec', () => {
    const next = rng(7);
    const alphabet = ['=', '&', ',', '.', '%', '#', 'E0', 'A4', 'steps', 'lora', 'methods', 'r', 'targets', '__proto__', '1', '-', 'e', '9', 'q', '\u0000', '\u202e', '\ud800', 'é', ' ', '+'];
    for (let i = 0; i < 500; i++) {
      const len = Math.floor(next() * 80);
      let junk = '';
      for (let j = 0; j < len; j++) junk += alphabet[Math.floor(next() * alphabet.length)];
      expect(() => read(junk), JSON.stringify(junk)).not.toThrow();
    }
    // And mutations of a real link.
    for (let i = 0; i < 300; i++) {
      const chars = [...DEFAULT_HASH];
      for (let k = 0; k < 3; k++) chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)];
      expect(() => read(chars.join('')), JSON.stringify(chars.join(''))).not.toThrow();
    }
  });
});

describe('specFromLinkOrJson', () => {
  const hash = specToHash(spec({ steps: 9, methods: [{ name: 'prompt', options: { length: 4 } }] }));
  const expected = spec({ steps: 9, methods: [{ name: 'prompt', options: { length: 4 } }] });

  it('reads a full URL with a hash', () => {
    expect(specFromLinkOrJson(`https://example.github.io/peft-playground/?x=1#${hash}`)).toEqual({ spec: expected, notices: [] });
    expect(specFromLinkOrJson(`  localhost:5173/#${hash}\n`)).toEqual({ spec: expected, notices: [] });
  });

  it('reads a bare hash, with or without #, and passes notices on', () => {
    expect(specFromLinkOrJson(`#${hash}`).spec).toEqual(expected);
    expect(specFromLinkOrJson(hash).spec).toEqual(expected);
    const { spec: s, notices } = specFromLinkOrJson('methods=lora&steps=abc');
    expect(s.methods.map((m) => m.name)).toEqual(['lora']);
    expect(notices).toHaveLength(1);
  });

  it('reads JSON with parseExperimentSpec and no notices', () => {
    expect(specFromLinkOrJson(JSON.stringify({ steps: 9, methods: [{ name: 'prompt', options: { length: 4 } }] }))).toEqual({
      spec: expected,
      notices: [],
    });
    // JSON may name any model string (the CLI user typed it: a folder path, say).
    expect(specFromLinkOrJson('{"model":"https://example.com/m#x"}').spec.model).toBe('https://example.com/m#x');
  });

  it('invalid JSON specs throw SpecError; a URL without a hash or plain junk throws LinkError', () => {
    expect(() => specFromLinkOrJson('{"steps": -1}')).toThrow(SpecError);
    expect(() => specFromLinkOrJson('{"steps": ')).toThrow(SpecError);
    expect(() => specFromLinkOrJson('https://example.com/playground')).toThrow(LinkError);
    expect(() => specFromLinkOrJson('hello world')).toThrow(LinkError);
  });
});

describe('DePT in links: the low-rank learning rate and a nullable budget', () => {
  it('round-trips DePT with a budget, without one (budget=none), and its own lr.lowrank', () => {
    for (const options of [{ length: 40, budget: 100 }, { length: 20, budget: null, r: 8, init: 'random' }]) {
      const s = spec({ task: 'lm-spam', methods: [{ name: 'prompt', options: { length: 100 } }, { name: 'dept', options }], optimizer: { lr: { prompt: 0.3, lowrank: 1e-4 } } });
      const hash = specToHash(s);
      expect(hash).toContain('&lr.lora=0.002&lr.lowrank=0.0001&lr.nola=0.1&');
      expect(hash).toContain(options.budget === null ? '&dept.budget=none&' : '&dept.budget=100&');
      const { spec: back, notices } = read(hash);
      expect(notices).toEqual([]);
      expect(back).toEqual(s);
    }
  });

  it("an option valid only beside the link's other options (budget 20 < the default m = 60) is kept, in either order", () => {
    for (const hash of ['methods=dept&dept.length=10&dept.budget=20', 'methods=dept&dept.budget=20&dept.length=10']) {
      const { spec: s, notices } = read(hash);
      expect(notices).toEqual([]);
      expect(s.methods[0].options).toMatchObject({ length: 10, budget: 20 });
    }
    // A bad companion does not take a good option down with it: m = −3 is refused, budget 80 kept.
    const { spec: s, notices } = read('methods=dept&dept.length=-3&dept.budget=80');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/dept\.length "-3"/);
    expect(s.methods[0].options).toMatchObject({ length: 60, budget: 80 });
  });

  it('a link written before lr.lowrank existed reads with its default, silently', () => {
    const { spec: s, notices } = read(DEFAULT_HASH.replace('&lr.lowrank=0.001', ''));
    expect(notices).toEqual([]);
    expect(s.optimizer.lr.lowrank).toBe(DEFAULT_SPEC.optimizer.lr.lowrank);
  });

  it('"none" for a number option that cannot be null is a notice and the default', () => {
    const { spec: s, notices } = read('methods=dept,lora&lora.r=none&dept.r=none');
    expect(notices).toHaveLength(2);
    expect(notices.join('\n')).toMatch(/lora\.r "none"/);
    expect(s.methods.map((m) => m.options.r)).toEqual([30, 8]);
  });
});

describe('links on the built-in ViT and T5', () => {
  it('a task the model does not pose is replaced by the model’s own, with a notice', () => {
    const { spec, notices } = hashToSpec('v=1&model=tiny-vit&task=spam&methods=lora');
    expect(spec.model).toBe('tiny-vit');
    expect(spec.task).toBe('mnist-5shot');
    expect(notices.join(' ')).toMatch(/task "spam" does not run on vit models.*mnist-5shot used/);
    // T5 poses spam (text-to-text); the language-modelling task it does not.
    expect(hashToSpec('v=1&model=tiny-t5&task=spam&methods=lora').spec.task).toBe('spam');
    expect(hashToSpec('v=1&model=tiny-t5&task=lm-spam&methods=lora').spec.task).toBe('spam');
  });

  it('on ViT a prompt init the link leaves out starts random; one the link names is kept', () => {
    const quiet = hashToSpec('v=1&model=tiny-vit&task=mnist-5shot&methods=prompt,dept');
    expect(quiet.spec.methods.map((m) => m.options.init)).toEqual(['random', 'random']);
    const named = hashToSpec('v=1&model=tiny-vit&task=mnist-5shot&methods=prompt&prompt.init=vocab');
    expect(named.spec.methods[0].options.init).toBe('vocab');
    // GPT-2 keeps the vocabulary default.
    expect(hashToSpec('v=1&model=tiny-gpt2&task=spam&methods=prompt').spec.methods[0].options.init).toBe('vocab');
    // And the random init survives the round trip through a link.
    expect(hashToSpec(specToHash(quiet.spec)).spec).toEqual(quiet.spec);
  });
});

describe('continual settings (cl.*) in links: task streams only', () => {
  const streamLink =
    'v=1&model=tiny-vit&task=split-mnist&methods=lora&batch=4&cl.strategies=sequential,dynamic&cl.batches=2&cl.selector=1&cl.eval=4';

  it('round-trips a split-mnist link on tiny-vit, every cl.* key written in a fixed order', () => {
    const { spec: read1, notices } = hashToSpec(streamLink);
    expect(notices).toEqual([]);
    expect(read1.task).toBe('split-mnist');
    expect(read1.batchSize).toBe(4);
    expect(read1.continual).toEqual({ ...DEFAULT_CONTINUAL, strategies: ['sequential', 'dynamic'], batchesPerTask: 2, selectorBatches: 1, evalExamplesPerTask: 4 });
    const hash = specToHash(read1);
    expect(hash).toContain(
      '&log=1&cl.strategies=sequential,dynamic&cl.batches=2&cl.selector=1&cl.topt=1&cl.ratio=1&cl.memory=5&cl.epochs=2&cl.low=-10000&cl.cache=true&cl.eval=4&lora.r=',
    );
    expect(hashToSpec(hash)).toEqual({ spec: read1, notices: [] });
    // Every setting off its default survives the trip too.
    const odd = { ...read1, continual: { strategies: ['limitless', 'emr', 'static'] as const, batchesPerTask: 7, selectorBatches: 0, topT: 3, oldPerNew: 0.5, memoryPerClass: 11, limitlessEpochs: 1.5, lowLogit: -123.25, cache: false, evalExamplesPerTask: 0 } };
    const back = hashToSpec(specToHash(parseExperimentSpec(odd)));
    expect(back.notices).toEqual([]);
    expect(back.spec).toEqual(parseExperimentSpec(odd));
  });

  it('a link for a task that is not a stream writes no cl.* key; one that carries them has them ignored, with a notice', () => {
    const changed = spec({ continual: { ...DEFAULT_CONTINUAL, batchesPerTask: 3 } });
    expect(specToHash(changed)).toBe(DEFAULT_HASH);
    const { spec: read1, notices } = hashToSpec(`${DEFAULT_HASH}&cl.batches=3&cl.strategies=emr`);
    expect(read1).toEqual(DEFAULTS);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^ignored: cl\.batches, cl\.strategies \(continual settings apply only to task streams/);
  });

  it('a stream link without methods trains LoRA of rank 4; with several, the first listed, with a notice', () => {
    const bare = hashToSpec('v=1&model=tiny-vit&task=split-mnist');
    expect(bare.notices).toEqual([]);
    expect(bare.spec.methods).toHaveLength(1);
    expect(bare.spec.methods[0].name).toBe('lora');
    expect(bare.spec.methods[0].options.r).toBe(4);
    expect(bare.spec.continual).toEqual(DEFAULT_CONTINUAL);
    // The link's own lora.r applies over the stream's rank 4.
    expect(hashToSpec('v=1&model=tiny-vit&task=split-mnist&lora.r=2').spec.methods[0].options.r).toBe(2);
    const several = hashToSpec('v=1&model=tiny-gpt2&task=sotu-eras&methods=prompt,lora&prompt.length=5');
    expect(several.spec.methods.map((m) => m.name)).toEqual(['prompt']);
    expect(several.spec.methods[0].options.length).toBe(5);
    expect(several.notices.join('\n')).toMatch(/sotu-eras trains one PET method per strategy; prompt used, lora ignored/);
    // A stream on a model that does not pose it falls back to the model's own task, and keeps the link's methods.
    const moved = hashToSpec('v=1&model=tiny-gpt2&task=split-mnist&methods=full,lora');
    expect(moved.spec.task).toBe('spam');
    expect(moved.spec.methods.map((m) => m.name)).toEqual(['full', 'lora']);
  });

  it.each([
    ['cl.batches=0', /cl\.batches "0": .*; default 40 used/],
    ['cl.batches=2.5', /cl\.batches "2\.5": .*; default 40 used/],
    ['cl.selector=-1', /cl\.selector "-1": .*; default 20 used/],
    ['cl.topt=abc', /cl\.topt "abc" is not a number; default 1 used/],
    ['cl.ratio=Infinity', /cl\.ratio "Infinity" is not a number; default 1 used/],
    ['cl.memory=1e9', /cl\.memory "1e9": .*; default 5 used/],
    ['cl.epochs=0', /cl\.epochs "0": .*; default 2 used/],
    ['cl.low=5', /cl\.low "5": .*; default -10000 used/],
    ['cl.cache=yes', /cl\.cache "yes" is not true or false; default true used/],
    ['cl.eval=%E0%A4%A', /cl\.eval "%E0%A4%A" has malformed percent-encoding; default 0 used/],
    ['cl.strategies=', /cl\.strategies "" names no known strategy; default sequential,emr,static,dynamic used/],
  ])('%s: a notice names the key and the value, the default is used', (pair, pattern) => {
    const { spec: read1, notices } = read(`v=1&model=tiny-vit&task=split-mnist&methods=lora&${pair}`);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(pattern);
    expect(read1.continual).toEqual(DEFAULT_CONTINUAL);
  });

  it('cl.strategies: unknown, repeated and markup entries are dropped with notices; the rest stay in link order', () => {
    const { spec: read1, notices } = read('v=1&model=tiny-vit&task=split-mnist&cl.strategies=dynamic,%3Cimg%20src%3Dx%3E,dynamic,__proto__,sequential&cl.nope=1');
    expect(read1.continual.strategies).toEqual(['dynamic', 'sequential']);
    expect(notices).toEqual([
      'cl.strategies: unknown strategy "<img src=x>" ignored (known: sequential, emr, static, dynamic, limitless)',
      'cl.strategies: "dynamic" is listed more than once; it runs once',
      'cl.strategies: unknown strategy "__proto__" ignored (known: sequential, emr, static, dynamic, limitless)',
      'unknown key "cl.nope" ignored',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('eval.batches: "auto" by default, an explicit number as before', () => {
  it('a default link leaves eval.batches out (auto); an explicit one, as old links carry, keeps its number', () => {
    expect(specToHash(DEFAULTS)).not.toContain('eval.batches');
    expect(read(DEFAULT_HASH).spec.eval.maxBatches).toBe('auto');
    const old = read(`${DEFAULT_HASH}&eval.batches=8`);
    expect(old.notices).toEqual([]);
    expect(old.spec.eval.maxBatches).toBe(8);
    expect(specToHash(old.spec)).toContain('&eval.batches=8&');
    expect(read('eval.batches=auto').spec.eval.maxBatches).toBe('auto');
    const bad = read('eval.batches=lots');
    expect(bad.spec.eval.maxBatches).toBe('auto');
    expect(bad.notices.join(' ')).toMatch(/eval\.batches "lots".*nor "auto"/);
  });
});
