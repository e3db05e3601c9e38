using System.Text.Json;
using FinGuard.Storage;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace FinGuard.Setup;

/// <summary>
/// The local secrets file the setup flow writes the new App's credentials to: a configuration JSON file
/// (<c>{"GitHub":{"AppId":...,"PrivateKey":...,"WebhookSecret":...}}</c>) readable by the owner only (0600),
/// loaded at start with reload on change, so the credentials take effect without editing any other setting.
/// </summary>
public sealed class SetupSecretsFile : ISetupSecretsStore
{
    public const string DefaultFileName = "secrets.json";

    public SetupSecretsFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>Absolute path of the file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public string Location => Path;

    /// <summary><c>Setup:SecretsPath</c>, else <c>&lt;Storage:LocalPath&gt;/secrets.json</c>, as an absolute path.</summary>
    public static string ResolvePath(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[$"{SetupOptions.SectionName}:{nameof(SetupOptions.SecretsPath)}"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return System.IO.Path.GetFullPath(configured);
        }

        var localPath = configuration[$"{StorageOptions.SectionName}:{nameof(StorageOptions.LocalPath)}"];
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(string.IsNullOrWhiteSpace(localPath) ? new StorageOptions().LocalPath : localPath, DefaultFileName));
    }

    /// <summary>
    /// Writes the credentials to a new file created with mode 0600 (on Unix) and moved into place, so the
    /// file never exists with wider permissions or half written. Refuses to replace an existing file.
    /// </summary>
    public async Task WriteAsync(AppCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (File.Exists(Path))
        {
            throw new SetupException(
                $"{Path} already exists. FinGuard does not overwrite stored App credentials; move the file away to register a new App.");
        }

        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            await using (var stream = new FileStream(temporary, options))
            {
                await using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                {
                    writer.WriteStartObject();
                    writer.WriteStartObject("GitHub");
                    writer.WriteString("AppId", credentials.AppId);
                    writer.WriteString("AppSlug", credentials.Slug);
                    writer.WriteString("ClientId", credentials.ClientId);
                    writer.WriteString("ClientSecret", credentials.ClientSecret);
                    writer.WriteString("PrivateKey", credentials.PrivateKeyPem);
                    if (credentials.WebhookSecret is not null)
                    {
                        writer.WriteString("WebhookSecret", credentials.WebhookSecret);
                    }

                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: false);
        }
        catch (IOException) when (File.Exists(Path))
        {
            throw new SetupException($"{Path} was created by someone else while FinGuard was writing it; nothing was overwritten.");
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

/// <summary>Configuration wiring of the secrets file.</summary>
public static class SetupSecretsConfigurationExtensions
{
    /// <summary>
    /// Adds the setup secrets file (<see cref="SetupSecretsFile.ResolvePath"/>) as an optional JSON configuration
    /// source, placed after the appsettings files and before environment variables and command-line switches (so those
    /// still override it), and re-read when it changes. When its folder does not exist and cannot be created (e.g. a
    /// read-only Function App), nothing is added.
    /// </summary>
    public static IConfigurationManager AddSetupSecretsFile(this IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = SetupSecretsFile.ResolvePath(configuration);
        var directory = System.IO.Path.GetDirectoryName(path)!;
        try
        {
            if (!Directory.Exists(directory))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(directory);
                }
                else
                {
                    Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return configuration;
        }

        var sources = configuration.Sources;
        var lastJson = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource)
            {
                lastJson = i;
            }
        }

        sources.Insert(lastJson + 1, new SetupSecretsConfigurationSource(directory, System.IO.Path.GetFileName(path)));
        return configuration;
    }

    /// <summary>
    /// The secrets file as a JSON source whose provider owns its file provider. Changes are found by polling (every
    /// four seconds) rather than inotify, so many FinGuard hosts in one process (the tests) do not exhaust the
    /// per-user inotify instance limit.
    /// </summary>
    private sealed class SetupSecretsConfigurationSource(string directory, string fileName) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder)
        {
            var files = new PhysicalFileProvider(directory) { UsePollingFileWatcher = true, UseActivePolling = true };
            return new OwningJsonConfigurationProvider(
                new JsonConfigurationSource { FileProvider = files, Path = fileName, Optional = true, ReloadOnChange = true },
                files);
        }
    }

    private sealed class OwningJsonConfigurationProvider(JsonConfigurationSource source, PhysicalFileProvider files) : JsonConfigurationProvider(source)
    {
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                files.Dispose();
            }
        }
    }
}
