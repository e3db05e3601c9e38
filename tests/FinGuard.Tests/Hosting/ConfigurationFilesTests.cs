using FinGuard.Hosting;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace FinGuard.Tests.Hosting;

/// <summary>
/// appsettings*.json are read once: watching them would put a recursive inotify watch on the working directory, which
/// holds the local store, so every evidence record, index row and delivery FinGuard writes would wake a watcher.
/// </summary>
public sealed class ConfigurationFilesTests
{
    [Fact]
    public void Appsettings_are_read_from_the_content_root_but_not_watched()
    {
        var root = TempDirectory.Create();
        try
        {
            File.WriteAllText(Path.Combine(root, "appsettings.json"), """{ "FinGuard": { "Probe": "from-file" } }""");
            var app = FinGuardApp.Build([$"--contentRoot={root}", $"--Storage:LocalPath={Path.Combine(root, "store")}", "--Logging:LogLevel:Default=None"]);
            try
            {
                Assert.Equal("from-file", app.Configuration["FinGuard:Probe"]);
                var appsettings = JsonSources(app.Configuration).Where(s => s.Path is not null && s.Path.StartsWith("appsettings", StringComparison.Ordinal)).ToList();
                Assert.NotEmpty(appsettings);
                Assert.All(appsettings, source => Assert.False(source.ReloadOnChange, $"{source.Path} is watched"));
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

    [Fact]
    public void An_operator_can_turn_watching_back_on()
    {
        var root = TempDirectory.Create();
        try
        {
            var app = FinGuardApp.Build([$"--contentRoot={root}", $"--Storage:LocalPath={Path.Combine(root, "store")}", $"--{FinGuardApp.ReloadConfigOnChangeKey}=true", "--Logging:LogLevel:Default=None"]);
            try
            {
                Assert.Contains(JsonSources(app.Configuration), s => s.Path == "appsettings.json" && s.ReloadOnChange);
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

    private static IEnumerable<FileConfigurationSource> JsonSources(IConfiguration configuration) =>
        ((IConfigurationRoot)configuration).Providers.OfType<JsonConfigurationProvider>().Select(p => p.Source);
}
