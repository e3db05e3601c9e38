using System.Collections.Concurrent;
using FinGuard.Functions;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FinGuard.Tests.Processing;

/// <summary><c>finguard serve</c> outside Azure Functions fires its timers itself, on the schedules of the <c>[TimerTrigger]</c>s.</summary>
public sealed class LocalTimerSchedulerTests
{
    private sealed class RecordingJob(string name, ConcurrentQueue<(string Job, DateTimeOffset At)> runs, TimeProvider time, bool fails = false) : IScheduledJob
    {
        public string Name => name;

        public Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
        {
            // When it was scheduled for; the fake clock jumps a minute at a time, so "now" is up to a minute later.
            Assert.True(time.GetUtcNow() >= DateTimeOffset.Parse(context.ScheduledFor!, System.Globalization.CultureInfo.InvariantCulture));
            runs.Enqueue((name, DateTimeOffset.Parse(context.ScheduledFor!, System.Globalization.CultureInfo.InvariantCulture)));
            return fails ? throw new InvalidOperationException("boom") : Task.FromResult(new ScheduledJobOutcome(true, "ran"));
        }
    }

    private static (LocalTimerScheduler Scheduler, ConcurrentQueue<(string Job, DateTimeOffset At)> Runs) Create(FakeTimeProvider time, Dictionary<string, string?> settings)
    {
        var runs = new ConcurrentQueue<(string Job, DateTimeOffset At)>();
        var services = new ServiceCollection()
            .AddSingleton<IScheduledJob>(new RecordingJob(FunctionNames.RedeliverySweep, runs, time))
            .AddSingleton<IScheduledJob>(new RecordingJob(FunctionNames.FreezeWindowEdges, runs, time, fails: true))
            .AddSingleton<IScheduledJob>(new RecordingJob(FunctionNames.DailyCheckpoint, runs, time))
            .BuildServiceProvider();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return (new LocalTimerScheduler(services, configuration, time, NullLogger<LocalTimerScheduler>.Instance), runs);
    }

    [Fact]
    public async Task Each_job_runs_at_its_schedule_and_a_failing_job_does_not_stop_the_others()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 23, 55, 30, TimeSpan.Zero));
        var (scheduler, runs) = Create(time, []);
        await scheduler.StartAsync(CancellationToken.None);
        await scheduler.Started.WaitAsync(TimeSpan.FromSeconds(30));

        // 25 minutes, a minute at a time: across midnight and past 00:15 UTC.
        for (var minute = 0; minute < 25; minute++)
        {
            var before = runs.Count;
            time.Advance(TimeSpan.FromMinutes(1));
            await Eventually.GetAsync(() => runs.Count > before ? "ran" : null, () => $"nothing ran at {time.GetUtcNow():HH:mm:ss}");
        }

        await scheduler.StopAsync(CancellationToken.None);

        var freeze = runs.Where(r => r.Job == FunctionNames.FreezeWindowEdges).Select(r => r.At).ToList();
        Assert.Equal(25, freeze.Count); // every minute, although every run threw
        Assert.All(freeze, at => Assert.Equal(0, at.Second));
        Assert.Equal(
            [new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 4, 0, 10, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 4, 0, 20, 0, TimeSpan.Zero)],
            runs.Where(r => r.Job == FunctionNames.RedeliverySweep).Select(r => r.At));
        Assert.Equal([new DateTimeOffset(2026, 12, 4, 0, 15, 0, TimeSpan.Zero)], runs.Where(r => r.Job == FunctionNames.DailyCheckpoint).Select(r => r.At));
    }

    [Theory]
    [InlineData(LocalTimerScheduler.EnabledKey, "false")]
    [InlineData(LocalTimerScheduler.EnabledKey, "FALSE")]
    public async Task It_stays_off_when_disabled(string key, string value)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 30, TimeSpan.Zero));
        var (scheduler, runs) = Create(time, new() { [key] = value });
        await scheduler.StartAsync(CancellationToken.None);
        await scheduler.Started.WaitAsync(TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromMinutes(11));
        await Task.Delay(200);
        await scheduler.StopAsync(CancellationToken.None);

        Assert.Empty(runs);
    }

    [Fact]
    public void The_schedules_are_those_of_the_timer_triggers()
    {
        foreach (var timer in FunctionNames.Timers)
        {
            var function = typeof(FinGuardFunctions).GetMethod(timer)!;
            var trigger = function.GetParameters().Select(p => p.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.TimerTriggerAttribute), false).Cast<Microsoft.Azure.Functions.Worker.TimerTriggerAttribute>().SingleOrDefault()).Single(a => a is not null)!;
            Assert.Equal(trigger.Schedule, FunctionNames.Schedules[timer]);
        }
    }
}
