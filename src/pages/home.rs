use leptos::prelude::*;
use leptos_meta::Title;

/// A product on the shop's front page.
struct Product {
    name: &'static str,
    blurb: &'static str,
    price: &'static str,
    swatch: &'static str,
}

const PRODUCTS: &[Product] = &[
    Product {
        name: "Field Notebook",
        blurb: "Dot-grid, 120 pages, lies flat.",
        price: "$14",
        swatch: "swatch-sand",
    },
    Product {
        name: "Brass Pen",
        blurb: "Weighty, refillable, lasts decades.",
        price: "$42",
        swatch: "swatch-brass",
    },
    Product {
        name: "Canvas Tote",
        blurb: "Heavy cotton duck, reinforced straps.",
        price: "$28",
        swatch: "swatch-olive",
    },
    Product {
        name: "Desk Lamp",
        blurb: "Warm 2700K light, dimmable.",
        price: "$89",
        swatch: "swatch-slate",
    },
];

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Shop"/>
        <section class="hero">
            <h1>"Good tools for everyday work"</h1>
            <p>"Small-batch goods, shipped carefully. Protect your account with two-step sign-in from your account settings."</p>
        </section>
        <section aria-labelledby="products-heading">
            <h2 id="products-heading">"Featured"</h2>
            <ul class="products">
                {PRODUCTS.iter().map(|p| view! {
                    <li class="product">
                        <div class=format!("product-image {}", p.swatch) aria-hidden="true"></div>
                        <h3>{p.name}</h3>
                        <p>{p.blurb}</p>
                        <p class="price">{p.price}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
