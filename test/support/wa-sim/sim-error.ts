/** An error with the HTTP status the page / control API should see. */
export class SimError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SimError';
  }
}
