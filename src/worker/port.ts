/**
 * The worker's side of its message channel. In the desktop app the worker is an Electron
 * utilityProcess (process.parentPort); elsewhere a Node child process (process.send). Both look
 * the same to the worker through this interface.
 */
export interface WorkerPort<In, Out> {
  post(message: Out): void;
  onMessage(handler: (message: In) => void): void;
}

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', handler: (e: { data: unknown }) => void): void;
}

export function parentPort<In, Out>(): WorkerPort<In, Out> {
  const electronPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (electronPort) {
    return {
      post: (m) => electronPort.postMessage(m),
      onMessage: (h) => electronPort.on('message', (e) => h(e.data as In)),
    };
  }
  if (!process.send) throw new Error('the training worker must be started by a parent process with an IPC channel');
  return {
    post: (m) => process.send!(m as never),
    onMessage: (h) => process.on('message', (m) => h(m as In)),
  };
}
