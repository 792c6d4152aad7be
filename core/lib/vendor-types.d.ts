// pino-roll ships no type declarations; this is the part pie-brain uses.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';

  interface RollOptions {
    file: string;
    size?: string | number;
    frequency?: string | number;
    extension?: string;
    limit?: { count?: number };
    mkdir?: boolean;
  }
  export default function roll(options: RollOptions): Promise<DestinationStream & NodeJS.WritableStream>;
}
