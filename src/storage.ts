/** A reference-counted block of float32 elements on the heap, shared by a tensor and its views. */
import { heap } from './runtime/engine';

export class Storage {
  refs = 1;
  /** Byte offset of element 0, or -1 once freed. */
  ptr: number;

  constructor(readonly length: number) {
    this.ptr = heap().alloc(length * 4);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) {
      heap().release(this.ptr);
      this.ptr = -1;
    }
  }
}
