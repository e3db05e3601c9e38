using System.Diagnostics;

namespace FinGuard.Benchmarks.Load;

/// <summary>Sends one request; returns true when the answer was the expected one. <paramref name="index"/> numbers requests from 0.</summary>
public delegate Task<bool> SendRequest(int index, CancellationToken cancellationToken);

/// <summary>What one load phase measured.</summary>
/// <param name="Name">What was loaded, e.g. "bare endpoint".</param>
/// <param name="Sent">Requests sent.</param>
/// <param name="Failed">Requests that failed or got an unexpected status.</param>
/// <param name="Elapsed">Wall time from the first send to the last answer.</param>
/// <param name="Latency">Latency of successful requests; for open-loop runs measured from the intended send time.</param>
/// <param name="ServiceTime">Open loop only: latency from the actual send (without the pacer's own delay); null for closed loop.</param>
/// <param name="TargetRate">Open loop only: the rate asked for, per second.</param>
public sealed record LoadResult(string Name, int Sent, int Failed, TimeSpan Elapsed, LatencySummary Latency, LatencySummary? ServiceTime, double? TargetRate)
{
    public double Throughput => (Sent - Failed) / Elapsed.TotalSeconds;

    /// <summary>What the process's garbage collector did during the phase (clients and servers share the process).</summary>
    public GcActivity Gc { get; init; } = GcActivity.None;

    /// <summary>The rounds of one target in an interleaved run, as one result.</summary>
    public static LoadResult Merge(IReadOnlyList<LoadResult> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var first = rounds[0];
        return new LoadResult(
            first.Name,
            rounds.Sum(r => r.Sent),
            rounds.Sum(r => r.Failed),
            TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)),
            LatencySummary.Merge(rounds.Select(r => r.Latency)),
            first.ServiceTime is null ? null : LatencySummary.Merge(rounds.Select(r => r.ServiceTime!)),
            first.TargetRate)
        {
            Gc = new GcActivity(
                rounds.Sum(r => r.Gc.Gen0), rounds.Sum(r => r.Gc.Gen1), rounds.Sum(r => r.Gc.Gen2),
                TimeSpan.FromTicks(rounds.Sum(r => r.Gc.Paused.Ticks)), rounds.Max(r => r.Gc.ThreadPoolThreads), rounds.Sum(r => r.Gc.AllocatedBytes)),
        };
    }
}

/// <summary>
/// Garbage collections, total pause time and bytes allocated (by every thread of the process) over an interval, for
/// explaining tail latency. Bytes allocated per request, unlike time, do not depend on what else the machine is doing:
/// the noise-free figure for comparing two builds on a shared machine.
/// </summary>
public sealed record GcActivity(int Gen0, int Gen1, int Gen2, TimeSpan Paused, int ThreadPoolThreads, long AllocatedBytes)
{
    public static readonly GcActivity None = new(0, 0, 0, TimeSpan.Zero, 0, 0);

    public static GcActivity Now() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), ThreadPool.ThreadCount,
            GC.GetTotalAllocatedBytes(precise: false));

    public GcActivity Since(GcActivity start)
    {
        ArgumentNullException.ThrowIfNull(start);
        return new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, Paused - start.Paused, ThreadPoolThreads, AllocatedBytes - start.AllocatedBytes);
    }

    /// <summary>Kibibytes allocated per request, e.g. "41.2 KiB".</summary>
    public string AllocatedPer(long requests) =>
        requests <= 0 ? "—" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{AllocatedBytes / 1024.0 / requests:0.0} KiB");

    public override string ToString() =>
        $"{Gen0}/{Gen1}/{Gen2} GCs, {Paused.TotalMilliseconds:0} ms paused; {ThreadPoolThreads} pool threads";
}

/// <summary>
/// Closed- and open-loop load. Every loop is bounded by a request count and a duration and stops by itself.
/// </summary>
public static class LoadGenerator
{
    /// <summary>
    /// Runs <paramref name="phase"/> for every target in turn, <paramref name="rounds"/> times (A B C A B C …), and
    /// merges each target's rounds. On a shared machine whose load drifts, interleaving spreads the drift over all
    /// targets instead of penalising whichever ran during the busy spell.
    /// </summary>
    public static async Task<IReadOnlyList<LoadResult>> InterleavedAsync<T>(IReadOnlyList<T> targets, int rounds, Func<T, Task<LoadResult>> phase)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(phase);
        var results = targets.Select(_ => new List<LoadResult>()).ToList();
        for (var round = 0; round < rounds; round++)
        {
            for (var t = 0; t < targets.Count; t++)
            {
                results[t].Add(await phase(targets[t]));
            }
        }

        return [.. results.Select(LoadResult.Merge)];
    }

    /// <summary>
    /// Closed loop: <paramref name="concurrency"/> clients, each sending its next request as soon as the previous one
    /// is answered, until <paramref name="duration"/> has passed or <paramref name="maxRequests"/> were sent.
    /// Measures the maximum throughput at that concurrency.
    /// </summary>
    public static async Task<LoadResult> ClosedLoopAsync(string name, SendRequest send, int concurrency, TimeSpan duration, int maxRequests)
    {
        var recorder = new LatencyRecorder(maxRequests);
        var next = -1;
        var failed = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        using var abort = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        var start = Stopwatch.GetTimestamp();

        async Task ClientAsync()
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= maxRequests)
                {
                    return;
                }

                var begin = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await send(index, abort.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    ok = false;
                }

                if (ok)
                {
                    recorder.Record(Stopwatch.GetTimestamp() - begin);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        var gc = GcActivity.Now();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(ClientAsync)));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var sent = Math.Min(Volatile.Read(ref next) + 1, maxRequests);
        return new LoadResult(name, sent, failed, elapsed, recorder.Summarise(), null, null) { Gc = GcActivity.Now().Since(gc) };
    }

    /// <summary>
    /// Open loop: request <c>i</c> is due at <c>start + i / rate</c> whether or not earlier ones were answered, for
    /// <paramref name="duration"/>. Latency counts from the due time (or from the actual send, if that was earlier),
    /// so a stalled server is not hidden by the client waiting for it (no coordinated omission). A dedicated pacer
    /// thread sleeps in 1 ms steps and sends what has fallen due, so sends are at most about a millisecond early or
    /// late (more when the machine is saturated, which then shows in the latency). At most
    /// <paramref name="maxInFlight"/> requests are outstanding; a request that would exceed that is counted as
    /// failed, not sent. <c>onDue</c>, when given, is called with each request's index and due timestamp before it
    /// is sent (to time a whole pipeline from it).
    /// </summary>
    public static async Task<LoadResult> OpenLoopAsync(
        string name, SendRequest send, double rate, TimeSpan duration, int maxInFlight, Action<int, long>? onDue = null)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var recorder = new LatencyRecorder(total);
        var serviceRecorder = new LatencyRecorder(total);
        var failed = 0;
        var inFlight = 0;
        var tasks = new Task[total];
        var interval = Stopwatch.Frequency / rate;
        var oneMillisecond = Stopwatch.Frequency / 1000;
        using var abort = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));
        var start = Stopwatch.GetTimestamp();

        async Task OneAsync(int index, long due)
        {
            try
            {
                var begin = Stopwatch.GetTimestamp();
                var ok = await send(index, abort.Token);
                var end = Stopwatch.GetTimestamp();
                if (ok)
                {
                    recorder.Record(end - Math.Min(due, begin));
                    serviceRecorder.Record(end - begin);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                Interlocked.Increment(ref failed);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        void Pace()
        {
            for (var i = 0; i < total; i++)
            {
                var due = start + (long)(i * interval);
                while (due - Stopwatch.GetTimestamp() > oneMillisecond)
                {
                    Thread.Sleep(1);
                }

                onDue?.Invoke(i, due);
                if (Interlocked.Increment(ref inFlight) > maxInFlight)
                {
                    Interlocked.Decrement(ref inFlight);
                    Interlocked.Increment(ref failed);
                    tasks[i] = Task.CompletedTask;
                    continue;
                }

                var index = i;
                tasks[i] = Task.Run(() => OneAsync(index, due));
            }
        }

        var gc = GcActivity.Now();
        var pacer = new Thread(Pace) { IsBackground = true, Name = "open-loop pacer" };
        pacer.Start();
        while (pacer.IsAlive)
        {
            await Task.Delay(50);
        }

        await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new LoadResult(name, total, failed, elapsed, recorder.Summarise(), serviceRecorder.Summarise(), rate) { Gc = GcActivity.Now().Since(gc) };
    }
}
