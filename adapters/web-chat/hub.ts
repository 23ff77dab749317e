export interface WebEvent {
  n: number;
  author: 'customer' | 'bot' | 'agent';
  text: string;
  quickReplies?: string[];
}

type Listener = (event: WebEvent) => void;

/** Open server-sent-event streams per web user, in this process. */
export function createHub() {
  const listeners = new Map<string, Set<Listener>>();
  return {
    subscribe(userId: string, listener: Listener): () => void {
      let set = listeners.get(userId);
      if (!set) listeners.set(userId, (set = new Set()));
      set.add(listener);
      return () => {
        set!.delete(listener);
        if (set!.size === 0) listeners.delete(userId);
      };
    },
    publish(userId: string, event: WebEvent): number {
      const set = listeners.get(userId);
      for (const l of set ?? []) l(event);
      return set?.size ?? 0;
    },
    get streams() {
      let n = 0;
      for (const s of listeners.values()) n += s.size;
      return n;
    },
  };
}
export type Hub = ReturnType<typeof createHub>;
