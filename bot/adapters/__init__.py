"""Platform adapters: each turns platform payloads into `Message` and renders `Reply`."""
