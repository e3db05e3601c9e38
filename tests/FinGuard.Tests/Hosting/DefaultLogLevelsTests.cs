using FinGuard.Hosting;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Hosting;

/// <summary>
/// At the default level the log says what FinGuard decided, not each GitHub call: the resilience pipeline's per-call
/// "Execution attempt" lines (category Polly, Information) are off, its retries and failures (Warning) stay.
/// </summary>
public sealed class DefaultLogLevelsTests
{
    [Fact]
    public void Polly_logs_only_warnings_and_FinGuard_keeps_its_information()
    {
        var root = TempDirectory.Create();
        try
        {
            var app = FinGuardApp.Build([$"--contentRoot={root}", $"--Storage:LocalPath={Path.Combine(root, "store")}"]);
            try
            {
                var loggers = app.Services.GetRequiredService<ILoggerFactory>();
                Assert.False(loggers.CreateLogger("Polly").IsEnabled(LogLevel.Information));
                Assert.True(loggers.CreateLogger("Polly").IsEnabled(LogLevel.Warning));
                Assert.True(loggers.CreateLogger("FinGuard.Processing.PullRequestEvaluationService").IsEnabled(LogLevel.Information));
            }
            finally
            {
                ((IDisposable)app).Dispose();
            }
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }
}
