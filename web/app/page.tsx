export default function Home() {
  return <h1 className="font-serif text-3xl">Discover</h1>;
}
