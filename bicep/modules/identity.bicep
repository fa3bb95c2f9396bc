// The function app's user-assigned managed identity: it reads the deployment package, runs the host's storage
// (timers, queue trigger, keys), the app's table and queue calls, Key Vault references and telemetry. A user-assigned
// identity exists before the app does, so role assignments are in place when the app first starts.

@description('Identity name.')
param name string

@description('Region.')
param location string

@description('Tags for the resource.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
