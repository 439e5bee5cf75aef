/**
 * A fixed number of slots for connections the host does not trust yet (an HTTP connection, a
 * WebSocket before its hello). Refusing newcomers when the slots are full would let anyone who
 * reaches the port keep every client out by holding them; instead a newcomer always gets a slot:
 * when all are taken, the oldest connection of the remote address that holds the most is closed.
 * Whoever holds most slots loses them first, so a client from another address is not pushed out
 * by one address's connections, and a client sharing an address with them (two users of one
 * machine both come from 127.0.0.1) is pushed out only by more newcomers than there are slots in
 * the moment between its connecting and its next step.
 */
import type { Duplex } from 'node:stream';

interface Held {
  address: string;
  /** Arrival order: the oldest goes first. */
  order: number;
}

export class ConnectionSlots {
  private readonly held = new Map<Duplex, Held>();
  /** Each address's connections, oldest first. */
  private readonly byAddress = new Map<string, Duplex[]>();
  private arrivals = 0;

  constructor(readonly capacity: number) {}

  /** Gives `socket` (from `address`) a slot, first closing the oldest connection of the address that holds the most when all are taken. */
  take(socket: Duplex, address: string): void {
    if (this.held.size >= this.capacity) this.evict();
    this.held.set(socket, { address, order: this.arrivals++ });
    const sockets = this.byAddress.get(address) ?? [];
    sockets.push(socket);
    this.byAddress.set(address, sockets);
  }

  /** Frees `socket`'s slot (closed, or trusted now); nothing when it holds none. */
  free(socket: Duplex): void {
    const held = this.held.get(socket);
    if (!held) return;
    this.held.delete(socket);
    const sockets = this.byAddress.get(held.address)!;
    sockets.splice(sockets.indexOf(socket), 1);
    if (!sockets.length) this.byAddress.delete(held.address);
  }

  private evict(): void {
    let most: Duplex[] | undefined;
    for (const sockets of this.byAddress.values()) {
      if (!most || sockets.length > most.length || (sockets.length === most.length && this.held.get(sockets[0])!.order < this.held.get(most[0])!.order)) most = sockets;
    }
    const oldest = most![0];
    this.free(oldest);
    oldest.destroy();
  }
}
