using Coordination.Functions.Hosting;
using Coordination.Functions.Platform;

if (args is ["generate-functions", var outputDirectory, ..])
{
    // Build step: write host-facing function.json folders from the endpoint and trigger table, then exit.
    var manifestApp = CoordinationApp.Build(args[2..]);
    var written = FunctionManifest.Write(manifestApp, outputDirectory);
    Console.WriteLine($"generate-functions: wrote {written} function folders to {Path.GetFullPath(outputDirectory)}");
    return 0;
}

var app = CoordinationApp.Build(args);
CoordinationApp.ValidateRuntimeSettings(app);
await app.RunAsync();
return 0;
