// Web PubSub for the real-time fan-out of swarm events (group 'swarm-{id}'). Entra only (local auth off): the app's
// identity gets Web PubSub Service Owner and asks the service for client tokens (:generateToken).
// The function app gets the endpoint and hub as Coordination__WebPubSubEndpoint / __WebPubSubHub.

@description('Web PubSub resource name.')
param name string

@description('Region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Hub that carries swarm events.')
param hubName string

@description('Free_F1 (1 unit, 20 connections, no SLA: the idle-cost default) or Standard_S1.')
@allowed([
  'Free_F1'
  'Standard_S1'
])
param skuName string

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'WebPubSub'
  sku: {
    name: skuName
    tier: skuName == 'Free_F1' ? 'Free' : 'Standard'
    capacity: 1
  }
  properties: {
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

// No upstream event handlers: clients only listen; they join their swarm's group through the token the app issues.
resource hub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: webPubSub
  name: hubName
  properties: {
    eventHandlers: []
    eventListeners: []
    anonymousConnectPolicy: 'deny'
  }
}

output id string = webPubSub.id
output name string = webPubSub.name
output endpoint string = 'https://${webPubSub.properties.hostName}'
output hubName string = hub.name
