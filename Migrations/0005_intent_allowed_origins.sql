-- PaymentHub schema, part 5: the origins allowed to frame an intent's iframe checkout and to receive
-- its postMessage events, space-separated (e.g. "https://shop.example https://www.shop.example").
-- NULL: the merchant's default origins apply; with none there either, any site may frame it.
ALTER TABLE intents ADD COLUMN allowed_origins TEXT NULL;
