// Label selector syntax: text such as "tier in (web,api),!canary" -> a list of requirements (AND).
import { SelectorSyntaxError } from "../errors.js";

export type RequirementOp = "=" | "!=" | "in" | "notin" | "exists" | "!exists";

/** One condition on one label; `values` is empty for `exists` / `!exists`, one value for `=` / `!=`. */
export interface Requirement {
  key: string;
  op: RequirementOp;
  values: string[];
}

/** Requirements that must all hold (comma = AND); the empty selector matches every label set. */
export type Selector = readonly Requirement[];

/**
 * Parses a label selector (contract: ARCHITECTURE.md "Data model", Route.selector):
 * `k=v`, `k==v` (same as `=`), `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (label present),
 * `!k` (label absent), joined by commas; whitespace around tokens is ignored; "" matches everything.
 * A key starts with `[A-Za-z0-9]` and goes on with `[-A-Za-z0-9_./]` (`marathon.app`); a value is any run
 * of characters but whitespace and `, ( ) = !` (`/shop/web`, `1.2:3`), possibly empty after `=`/`!=`.
 * Throws SelectorSyntaxError with the 0-based position of the problem and what was expected there.
 */
export function parseSelector(text: string): Selector {
  return new SelectorParser(text).parse();
}

const KEY_FIRST = /[A-Za-z0-9]/;
const KEY_REST = /[-A-Za-z0-9_./]/;
const VALUE_STOP = /[\s,()=!]/;
const WORD = /[A-Za-z]/;

class SelectorParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Selector {
    const requirements: Requirement[] = [];
    this.skipSpace();
    if (this.atEnd()) return requirements;
    for (;;) {
      requirements.push(this.requirement());
      this.skipSpace();
      if (this.atEnd()) return requirements;
      this.expect(",", "',' or the end of the selector");
      this.skipSpace();
    }
  }

  private requirement(): Requirement {
    if (this.peek() === "!") {
      this.pos++;
      this.skipSpace();
      return { key: this.key(), op: "!exists", values: [] };
    }
    const key = this.key();
    this.skipSpace();
    const c = this.peek();
    if (c === undefined || c === ",") return { key, op: "exists", values: [] };
    if (c === "=") {
      this.pos++;
      if (this.peek() === "=") this.pos++;
      return { key, op: "=", values: [this.value(true)] };
    }
    if (c === "!") {
      this.pos++;
      this.expect("=", "'=' after '!'");
      return { key, op: "!=", values: [this.value(true)] };
    }
    if (WORD.test(c)) {
      const start = this.pos;
      while (WORD.test(this.peek() ?? "")) this.pos++;
      const word = this.text.slice(start, this.pos);
      if (word === "in" || word === "notin") return { key, op: word, values: this.valueSet() };
      this.pos = start;
    }
    throw this.error("'=', '==', '!=', 'in', 'notin', ',' or the end of the selector");
  }

  private key(): string {
    const start = this.pos;
    if (!KEY_FIRST.test(this.peek() ?? "")) throw this.error("a label key (starting with a letter or digit)");
    this.pos++;
    while (KEY_REST.test(this.peek() ?? "")) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private value(allowEmpty: boolean): string {
    this.skipSpace();
    const start = this.pos;
    while (!this.atEnd() && !VALUE_STOP.test(this.peek() ?? "")) this.pos++;
    if (!allowEmpty && this.pos === start) throw this.error("a value");
    return this.text.slice(start, this.pos);
  }

  private valueSet(): string[] {
    this.skipSpace();
    this.expect("(", "'(' opening the value list");
    const values = [this.value(false)];
    for (;;) {
      this.skipSpace();
      if (this.peek() === ")") {
        this.pos++;
        return values;
      }
      this.expect(",", "',' or ')' in the value list");
      values.push(this.value(false));
    }
  }

  private expect(char: string, what: string): void {
    if (this.peek() !== char) throw this.error(what);
    this.pos++;
  }

  private error(expected: string): SelectorSyntaxError {
    const found = this.atEnd() ? "the end of the selector" : `"${this.text[this.pos]}"`;
    return new SelectorSyntaxError(this.text, this.pos, `expected ${expected}, found ${found}`);
  }

  private skipSpace(): void {
    while (/\s/.test(this.peek() ?? "")) this.pos++;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }
}
