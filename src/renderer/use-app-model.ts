// Connects the AppModel reducer to main: loads the snapshot and the usage history once, then
// folds every push event in. Subscriptions are made before the snapshot is read, so nothing
// that happens in between is lost; they end when the component unmounts.
import { useEffect, useReducer, type Dispatch } from 'react';
import { API_EVENTS, type PushEvents } from '../shared/ipc-contract';
import { errorMessage, wsfsApi } from './api';
import { INITIAL_MODEL, reduceApp, type AppAction, type AppModel } from './app-model';

/** The live model and the dispatcher views use to apply results of their own invokes. */
export function useAppModel(): [AppModel, Dispatch<AppAction>] {
  const [model, dispatch] = useReducer(reduceApp, INITIAL_MODEL);
  useEffect(() => {
    let live = true;
    let unsubscribe: Array<() => void> = [];
    try {
      const api = wsfsApi();
      unsubscribe = (Object.keys(API_EVENTS) as Array<keyof typeof API_EVENTS>).map((method) => {
        const event = API_EVENTS[method];
        return api[method]((payload: PushEvents[typeof event]) => {
          if (live) dispatch({ kind: 'push', event, payload } as AppAction);
        });
      });
      void Promise.all([api.getState(), api.getCacheHistory()]).then(
        ([state, history]) => live && dispatch({ kind: 'snapshot', state, history }),
        (error: unknown) => live && dispatch({ kind: 'load-failed', message: errorMessage(error) }),
      );
    } catch (error) {
      dispatch({ kind: 'load-failed', message: errorMessage(error) });
    }
    return () => {
      live = false;
      for (const off of unsubscribe) off();
    };
  }, []);
  return [model, dispatch];
}
