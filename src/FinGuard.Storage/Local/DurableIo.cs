using System.Collections.Concurrent;

namespace FinGuard.Storage.Local;

/// <summary>
/// Runs the blocking durability calls of the local store (<c>fsync</c> of a file, of a directory) on dedicated threads,
/// never on the thread pool: an fsync takes milliseconds, and a pool thread blocked in it is one Kestrel cannot use to
/// answer the next webhook. Directory syncs are group-committed: every caller whose rename or link happened before a
/// directory sync started is covered by that one sync, so a burst of N deliveries costs a few directory fsyncs, not N.
/// </summary>
internal static class DurableIo
{
    /// <summary>Blocking calls in flight at once. Concurrent file fsyncs on one file system share journal commits.</summary>
    private const int Threads = 16;

    private static readonly WorkQueue Work = Start();

    private static readonly ConcurrentDictionary<string, DirectorySync> Directories = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="action"/> on a durability thread.</summary>
    public static Task RunAsync(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Work.Add((action, done));
        return done.Task;
    }

    /// <summary>
    /// Completes once <paramref name="directory"/> has been synced by a sync that started after this call: the entries
    /// the caller created or renamed in it before calling are then durable.
    /// </summary>
    public static Task SyncDirectoryAsync(string directory, Action<string> sync) =>
        Directories.GetOrAdd(directory, d => new DirectorySync(d, sync)).RequestAsync();

    private static WorkQueue Start()
    {
        var work = new WorkQueue();
        for (var i = 0; i < Threads; i++)
        {
            new Thread(() =>
            {
                while (true)
                {
                    var (action, done) = work.Take();
                    try
                    {
                        action();
                        done.SetResult();
                    }
#pragma warning disable CA1031 // Handed to the caller, who awaits it.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        done.SetException(ex);
                    }
                }
            })
            {
                IsBackground = true,
                Name = $"finguard-durable-io-{i}",
            }.Start();
        }

        return work;
    }

    /// <summary>
    /// The threads' work queue. A monitor rather than a <see cref="BlockingCollection{T}"/>: its semaphore spins
    /// (<c>sched_yield</c>) before it blocks, and sixteen idle threads spinning on every hand-off cost a measurable share of
    /// two cores under load (the end-to-end benchmark's profile); <see cref="Monitor.Wait(object)"/> just sleeps.
    /// </summary>
    private sealed class WorkQueue
    {
        private readonly Queue<(Action Action, TaskCompletionSource Done)> items = new();

        public void Add((Action Action, TaskCompletionSource Done) item)
        {
            lock (items)
            {
                items.Enqueue(item);
                Monitor.Pulse(items);
            }
        }

        public (Action Action, TaskCompletionSource Done) Take()
        {
            lock (items)
            {
                while (items.Count == 0)
                {
                    Monitor.Wait(items);
                }

                return items.Dequeue();
            }
        }
    }

    /// <summary>Group commit for one directory: at most one sync runs; callers arriving meanwhile share the next one.</summary>
    private sealed class DirectorySync(string directory, Action<string> sync)
    {
        private readonly Lock gate = new();
        private TaskCompletionSource? next;
        private bool running;

        public Task RequestAsync()
        {
            lock (gate)
            {
                next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var waiting = next.Task;
                if (!running)
                {
                    StartRound();
                }

                return waiting;
            }
        }

        /// <summary>Takes every waiting caller into one sync. Called under <see cref="gate"/>.</summary>
        private void StartRound()
        {
            var round = next!;
            next = null;
            running = true;
            _ = RunAsync(() => sync(directory)).ContinueWith(
                completed =>
                {
                    if (completed.Exception is { } failure)
                    {
                        round.SetException(failure.InnerExceptions);
                    }
                    else
                    {
                        round.SetResult();
                    }

                    lock (gate)
                    {
                        running = false;
                        if (next is not null)
                        {
                            StartRound();
                        }
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
