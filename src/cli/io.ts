/** Where a command writes; injected so commands are testable in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};
