export interface TestCa {
  ca: string;
  cert: string;
  key: string;
}
export function makeCa(name: string): TestCa;
export function privateMcpServer(tls: TestCa, answer: string): Promise<{ url: string; close: () => void }>;
export function runConnector(
  baseURL: string,
  token: string,
  target: string,
): {
  child: { exitCode: number | null; kill(signal?: string): boolean };
  connected: Promise<void>;
  exited: Promise<number | null>;
  output: () => string;
  kill: () => void;
};
